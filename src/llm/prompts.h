// The prompts and answer schemas of the chat provider, versioned together: an enrichment records
// kPromptVersion so a finding can say exactly what it was asked. Pure data.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace reflexio::prompts {

inline constexpr const char* kPromptVersion = "enrich-2026-11-v2";

// Shared instructions: the transcript format, evidence by utterance number, no invention.
std::string System(const std::string& memory_context);

// Chain of density: the first, sparse summary; then one densifying round.
std::string FirstSummary(const std::string& transcript);
std::string DenserSummary(const std::string& transcript, const std::string& previous_summary);
const nlohmann::json& SummarySchema();

// Few-shot extraction of topics, people, places, actions, emotion and urgency.
std::string Extraction(const std::string& transcript);
const nlohmann::json& ExtractionSchema();

// One schema-repair turn, after the model's own answer.
std::string Repair(const std::string& problem);

// Critic → refiner, when the extraction's DeepConf is low.
std::string Critic(const std::string& transcript, const std::string& extraction);
const nlohmann::json& CriticSchema();
std::string Refiner(const std::string& issues);

}  // namespace reflexio::prompts
