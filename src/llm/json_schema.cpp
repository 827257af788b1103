#include "llm/json_schema.h"

#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

namespace reflexio {

struct JsonSchema::Compiled {
  explicit Compiled(const rapidjson::Document& d) : document(d) {}
  rapidjson::SchemaDocument document;
};

Result<JsonSchema> JsonSchema::Parse(const nlohmann::json& schema) {
  rapidjson::Document d;
  std::string text = schema.dump();
  if (d.Parse(text.c_str()).HasParseError() || !d.IsObject()) {
    return InvalidArgument("a JSON schema must be an object", "bad_schema");
  }
  JsonSchema out;
  out.schema_ = schema;
  out.compiled_ = std::make_shared<const Compiled>(d);
  return out;
}

Status JsonSchema::Validate(const nlohmann::json& document) const {
  rapidjson::Document d;
  std::string text = document.dump();
  if (d.Parse(text.c_str()).HasParseError()) return InvalidArgument("not JSON", "malformed_json");
  rapidjson::SchemaValidator validator(compiled_->document);
  if (d.Accept(validator)) return Status::Ok();
  rapidjson::StringBuffer where, schema_where;
  validator.GetInvalidDocumentPointer().Stringify(where);
  validator.GetInvalidSchemaPointer().Stringify(schema_where);
  std::string place = where.GetString(), rule = validator.GetInvalidSchemaKeyword();
  std::string message = "at " + (place.empty() ? std::string("/") : place) + ": the answer breaks the schema's '" +
                        rule + "' rule";
  if (rule == "required") {
    // Name what is missing, so a model asked to repair knows what to add.
    const auto& schema_at = schema_.at(nlohmann::json::json_pointer(schema_where.GetString()));
    const auto& document_at = document.at(nlohmann::json::json_pointer(place));
    std::string missing;
    for (const auto& name : schema_at["required"]) {
      if (!document_at.contains(name.get<std::string>())) missing += (missing.empty() ? "'" : ", '") + name.get<std::string>() + "'";
    }
    if (!missing.empty()) message = "at " + (place.empty() ? std::string("/") : place) + ": required property " + missing + " is missing";
  }
  return InvalidArgument(message, "schema_mismatch");
}

Result<nlohmann::json> ParseModelJson(const std::string& content) {
  auto whole = nlohmann::json::parse(content, nullptr, false);
  if (!whole.is_discarded() && whole.is_object()) return whole;
  size_t open = content.find('{');
  size_t close = content.rfind('}');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    auto block = nlohmann::json::parse(content.substr(open, close - open + 1), nullptr, false);
    if (!block.is_discarded() && block.is_object()) return block;
  }
  std::string start = content.substr(0, 80);
  return InvalidArgument("the answer is not a JSON object (it begins: " + start + ")", "malformed_json");
}

}  // namespace reflexio
