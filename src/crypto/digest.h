// Hashes and MACs (OpenSSL): SHA-256 of bytes or of a file, HMAC-SHA256, hex encoding.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reflexio {

std::string ToHex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);  // nullopt unless valid hex
std::string Sha256(std::string_view data);  // raw 32 bytes
std::string Sha256Hex(std::string_view data);
// Streams the file; an unreadable file gives an empty string.
std::string Sha256FileHex(const std::string& path);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes

}  // namespace reflexio
