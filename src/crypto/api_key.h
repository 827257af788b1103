// API keys and the hashes Reflexio stores instead of them.
//
// A key is "rfx_" followed by 43 base64url characters (256 random bits from OpenSSL's CSPRNG).
// Because keys are high-entropy, a single SHA-256 is a sound verifier (no slow KDF needed);
// only that hex digest is stored. All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace reflexio {

std::string GenerateApiKey();
std::string HashApiKey(std::string_view key);
// A short, non-secret prefix shown in listings so a person can tell keys apart.
std::string ApiKeyDisplayPrefix(std::string_view key);
bool LooksLikeApiKey(std::string_view key);

std::string RandomBase64Url(size_t bytes);

}  // namespace reflexio
