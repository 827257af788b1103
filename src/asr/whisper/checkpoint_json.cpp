#include "asr/whisper/checkpoint_json.h"

#include "core/file_util.h"

namespace reflexio {

Result<nlohmann::json> ReadCheckpointJson(const std::filesystem::path& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return NotFound(path.string() + " is missing", "model_missing");
  nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
  if (!parsed.is_object()) return InvalidArgument(path.string() + " is not a JSON object", "invalid_model");
  return parsed;
}

}  // namespace reflexio
