#include "memory/testing/letta_peer.h"

namespace reflexio::testing {

using nlohmann::json;

namespace {
PeerResponse Answer(int status, const json& body) { return PeerResponse{status, body.dump(), "application/json"}; }
json Detail(const std::string& message) { return {{"detail", message}}; }

std::string Decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}
}  // namespace

LettaPeer::LettaPeer(std::string api_key) : api_key_(std::move(api_key)) {
  server_ = std::make_unique<LocalHttpPeer>([this](const PeerRequest& r) { return Handle(r); });
}

std::map<std::string, json> LettaPeer::blocks() {
  MutexLock lock(mutex_);
  return blocks_;
}

PeerResponse LettaPeer::Handle(const PeerRequest& request) {
  ++requests_;
  if (request.Header("authorization") != "Bearer " + api_key_) return Answer(401, Detail("Unauthorized"));
  MutexLock lock(mutex_);
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string query = request.target.find('?') == std::string::npos ? "" : request.target.substr(request.target.find('?') + 1);
  if (request.method == "GET" && path == "/v1/blocks/") {
    std::string label;
    if (query.rfind("label=", 0) == 0) label = Decode(query.substr(6));
    json list = json::array();
    for (const auto& [id, block] : blocks_) {
      if (label.empty() || block["label"] == label) list.push_back(block);
    }
    return Answer(200, list);
  }
  if (request.method == "POST" && path == "/v1/blocks/") {
    json body = json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.value("label", json()).is_string() || !body.value("value", json()).is_string()) {
      return Answer(422, Detail("label and value are required"));
    }
    int limit = body.value("limit", 20000);
    if (static_cast<int>(body["value"].get<std::string>().size()) > limit) {
      return Answer(422, Detail("Edit failed: Exceeds character limit"));
    }
    json block = body;
    block["id"] = "block-" + std::to_string(next_id_++);
    block["limit"] = limit;
    blocks_[block["id"]] = block;
    return Answer(201, block);
  }
  if (path.rfind("/v1/blocks/", 0) == 0 && path.size() > 11) {
    std::string id = Decode(path.substr(11));
    auto it = blocks_.find(id);
    if (it == blocks_.end()) return Answer(404, Detail("Block not found"));
    if (request.method == "GET") return Answer(200, it->second);
    if (request.method == "PATCH") {
      json body = json::parse(request.body, nullptr, false);
      if (!body.is_object()) return Answer(422, Detail("a JSON object is required"));
      if (body.contains("value") &&
          static_cast<int>(body["value"].get<std::string>().size()) > it->second.value("limit", 20000)) {
        return Answer(422, Detail("Edit failed: Exceeds character limit"));
      }
      for (const auto& [key, value] : body.items()) it->second[key] = value;
      return Answer(200, it->second);
    }
  }
  return Answer(404, Detail("Not Found"));
}

}  // namespace reflexio::testing
