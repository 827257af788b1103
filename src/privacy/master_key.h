// The master key: where it comes from and how a running system finds it.
//
// Sources, in order: AUDIO_ENCRYPTION_PASSWORD + AUDIO_ENCRYPTION_SALT (Argon2id), a key file
// named by REFLEXIO_KEY_FILE, or — for a development server on SQLite only — the key file
// <data_dir>/master.key, generated (mode 0600) on first start. Production and cluster mode
// (DATABASE_URL) refuse to start without an explicit source, because every process must unwrap
// the same tenant keys. A key file "<file>.next" beside the current one is a rotation in
// progress (`reflexio keys rotate`): its key can unwrap too. Thread-compatible (start-up only).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/status.h"
#include "crypto/keys.h"

namespace reflexio {

struct MasterKey {
  std::string id;   // a fingerprint that names the key in tenant_keys, never the key
  std::string key;  // 32 bytes
  static MasterKey From(std::string key);
};

struct MasterKeys {
  MasterKey primary;                   // wraps new tenant keys
  std::vector<MasterKey> also_unwrap;  // an unfinished rotation's other key
  std::string described_source;        // for logs: where the key came from, never the key
  std::optional<std::filesystem::path> key_file;  // when the primary came from a file
  bool generated = false;              // this start created the key file
};

std::filesystem::path DefaultKeyFilePath(const Config& config);
// Reads a key file: 64 hex characters (whitespace around them ignored).
Result<MasterKey> ReadKeyFile(const std::filesystem::path& path);
// Writes a new random key to `path` with mode 0600, durably; fails if the file exists.
Result<MasterKey> CreateKeyFile(const std::filesystem::path& path);

Result<MasterKeys> LoadMasterKeys(const Config& config, Argon2Cost cost = Argon2Cost::Moderate());

}  // namespace reflexio
