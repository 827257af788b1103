#include "core/ids.h"

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>

namespace reflexio {

namespace {
uint64_t RandomBits() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  return engine();
}
}  // namespace

std::string NewIdAt(TimePoint t) {
  using namespace std::chrono;
  auto ms = static_cast<uint64_t>(duration_cast<milliseconds>(t.time_since_epoch()).count());
  uint64_t a = RandomBits();
  uint64_t b = RandomBits();
  uint8_t bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  for (int i = 6; i < 16; ++i) bytes[i] = static_cast<uint8_t>((i < 11 ? a : b) >> (8 * (i % 8)));
  bytes[6] = static_cast<uint8_t>(0x70 | (bytes[6] & 0x0f));  // version 7
  bytes[8] = static_cast<uint8_t>(0x80 | (bytes[8] & 0x3f));  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return out;
}

std::string NewId() { return NewIdAt(std::chrono::system_clock::now()); }

bool LooksLikeId(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    char c = id[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace reflexio
