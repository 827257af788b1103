// JsonSchema: checks a model's answer against the JSON Schema it was asked to follow (draft 4,
// by rapidjson's validator), so a malformed or incomplete answer is caught, described, and can
// be sent back once for repair. Immutable once parsed; Validate is thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include "core/status.h"

namespace reflexio {

class JsonSchema {
 public:
  static Result<JsonSchema> Parse(const nlohmann::json& schema);
  // kInvalidArgument ("schema_mismatch") naming the failing place and rule, e.g.
  // "at /actions/0: required property 'who' is missing".
  Status Validate(const nlohmann::json& document) const;
  const nlohmann::json& schema() const { return schema_; }

 private:
  struct Compiled;
  nlohmann::json schema_;
  std::shared_ptr<const Compiled> compiled_;
};

// The JSON object in a model's answer: the whole text, or the first {...} block when the model
// wrapped it in prose or a ``` fence. kInvalidArgument ("malformed_json") when there is none.
Result<nlohmann::json> ParseModelJson(const std::string& content);

}  // namespace reflexio
