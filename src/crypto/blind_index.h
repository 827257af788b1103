// Blind index: how a tenant's words enter a full-text index without being readable there.
// Each search stem is replaced by a keyed hash — HMAC-SHA256 under a key derived from the
// tenant's data key, cut to 64 bits and spelled as 16 letters a–p — so the index can still
// count and rank matches (bm25, term weights) while holding no word, and the same word of two
// tenants gives unrelated tokens. Without the tenant key a token cannot be tested against a
// guess. Thread-safe once constructed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reflexio {

class BlindIndex {
 public:
  explicit BlindIndex(std::string_view tenant_key);
  std::string Token(std::string_view stem) const;
  // Tokens of `stems`, space-separated, in order: what the index column holds.
  std::string Document(const std::vector<std::string>& stems) const;

 private:
  std::string index_key_;
};

}  // namespace reflexio
