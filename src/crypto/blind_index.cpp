#include "crypto/blind_index.h"

#include "crypto/digest.h"

namespace reflexio {

namespace {
constexpr size_t kTokenBytes = 8;
}

BlindIndex::BlindIndex(std::string_view tenant_key)
    : index_key_(HmacSha256(tenant_key, "reflexio blind search index v1")) {}

std::string BlindIndex::Token(std::string_view stem) const {
  std::string mac = HmacSha256(index_key_, stem);
  // Letters only: every tokenizer (FTS5 unicode61, PostgreSQL's parser) keeps such a run as one word.
  std::string token;
  token.reserve(kTokenBytes * 2);
  for (size_t i = 0; i < kTokenBytes; ++i) {
    auto byte = static_cast<unsigned char>(mac[i]);
    token += static_cast<char>('a' + (byte >> 4));
    token += static_cast<char>('a' + (byte & 0x0f));
  }
  return token;
}

std::string BlindIndex::Document(const std::vector<std::string>& stems) const {
  std::string document;
  for (const auto& stem : stems) {
    if (!document.empty()) document += ' ';
    document += Token(stem);
  }
  return document;
}

}  // namespace reflexio
