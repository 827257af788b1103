#include "model/insight.h"

#include "model/enum_text.h"

namespace reflexio {

namespace {

constexpr EnumText<InsightScope> kScopes[] = {{InsightScope::kEpisode, "episode"}, {InsightScope::kCore, "core"}};
constexpr EnumText<InsightKind> kKinds[] = {
    {InsightKind::kSummary, "summary"},       {InsightKind::kTopic, "topic"},   {InsightKind::kPerson, "person"},
    {InsightKind::kPlace, "place"},           {InsightKind::kPreference, "preference"},
    {InsightKind::kAction, "action"},         {InsightKind::kEmotion, "emotion"}, {InsightKind::kSession, "session"},
    {InsightKind::kCommitment, "commitment"}};
constexpr EnumText<InsightState> kStates[] = {{InsightState::kNone, ""},
                                              {InsightState::kOpen, "open"},
                                              {InsightState::kDone, "done"},
                                              {InsightState::kActive, "active"}};

}  // namespace

const char* ToString(InsightScope scope) { return TextOf(kScopes, scope); }
const char* ToString(InsightKind kind) { return TextOf(kKinds, kind); }
const char* ToString(InsightState state) { return TextOf(kStates, state); }
std::optional<InsightScope> ParseInsightScope(std::string_view text) { return EnumOf(kScopes, text); }
std::optional<InsightKind> ParseInsightKind(std::string_view text) { return EnumOf(kKinds, text); }
std::optional<InsightState> ParseInsightState(std::string_view text) { return EnumOf(kStates, text); }

}  // namespace reflexio
