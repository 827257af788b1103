// The JSON files of a Whisper checkpoint directory (config.json, vocab.json, added_tokens.json,
// tokenizer.json, generation_config.json), read one way: kNotFound naming the file when it is
// missing, kInvalidArgument naming it when it is not a JSON object. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/status.h"

namespace reflexio {

Result<nlohmann::json> ReadCheckpointJson(const std::filesystem::path& path);

}  // namespace reflexio
