#include "privacy/master_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>

#include "core/file_util.h"
#include "crypto/digest.h"

namespace reflexio {

namespace fs = std::filesystem;

MasterKey MasterKey::From(std::string key) {
  std::string id = ToHex(HmacSha256(key, "reflexio master key id v1")).substr(0, 16);
  return MasterKey{std::move(id), std::move(key)};
}

fs::path DefaultKeyFilePath(const Config& config) { return fs::path(config.data_dir) / "master.key"; }

Result<MasterKey> ReadKeyFile(const fs::path& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  std::string hex;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
  }
  auto key = FromHex(hex);
  if (!key || key->size() != kKeySize) {
    return InvalidArgument("key file " + path.string() + " must hold 64 hexadecimal characters (a 256-bit key)",
                           "invalid_key_file");
  }
  return MasterKey::From(*key);
}

Result<MasterKey> CreateKeyFile(const fs::path& path) {
  MasterKey key = MasterKey::From(NewDataKey());
  fs::path temporary = path;
  temporary += ".tmp";
  RemoveQuietly(temporary);
  // Created 0600 from the first byte: the key is never readable by anyone else, not even briefly.
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot create key file " + temporary.string(), "io_error");
  std::string text = ToHex(key.key) + "\n";
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    RemoveQuietly(temporary);
    return Unavailable("cannot write key file " + temporary.string(), "io_error");
  }
  if (::link(temporary.c_str(), path.c_str()) != 0) {  // unlike rename, never replaces a key
    RemoveQuietly(temporary);
    return Status(ErrorCode::kConflict, "key_file_exists", "key file " + path.string() + " already exists");
  }
  RemoveQuietly(temporary);
  RETURN_IF_ERROR(FsyncDirectory(path.parent_path().empty() ? fs::path(".") : path.parent_path()));
  return key;
}

Result<MasterKeys> LoadMasterKeys(const Config& config, Argon2Cost cost) {
  MasterKeys keys;
  bool from_password = !config.encryption_password.empty() || !config.encryption_salt.empty();
  if (from_password && !config.encryption_key_file.empty()) {
    return InvalidArgument("set either AUDIO_ENCRYPTION_PASSWORD and AUDIO_ENCRYPTION_SALT or REFLEXIO_KEY_FILE, not both",
                           "invalid_config");
  }
  if (from_password) {
    if (config.encryption_password.empty() || config.encryption_salt.empty()) {
      return InvalidArgument("AUDIO_ENCRYPTION_PASSWORD and AUDIO_ENCRYPTION_SALT must be set together",
                             "invalid_config");
    }
    ASSIGN_OR_RETURN(std::string key, DeriveMasterKey(config.encryption_password, config.encryption_salt, cost));
    keys.primary = MasterKey::From(std::move(key));
    keys.described_source = "AUDIO_ENCRYPTION_PASSWORD (Argon2id)";
  } else {
    fs::path file = config.encryption_key_file;
    if (file.empty()) {
      if (config.environment == "production" || !config.database_url.empty()) {
        return Status(ErrorCode::kPermissionDenied, "no_master_key",
                      std::string(config.environment == "production" ? "production" : "cluster mode (DATABASE_URL)") +
                          " needs an explicit master key: set AUDIO_ENCRYPTION_PASSWORD and AUDIO_ENCRYPTION_SALT, "
                          "or REFLEXIO_KEY_FILE to a file of 64 hex characters shared by every process");
      }
      file = DefaultKeyFilePath(config);
      if (!fs::exists(file)) {
        auto created = CreateKeyFile(file);
        if (!created.ok() && created.status().code() != ErrorCode::kConflict) return created.status();
        keys.generated = created.ok();
      }
    }
    ASSIGN_OR_RETURN(keys.primary, ReadKeyFile(file));
    keys.key_file = file;
    keys.described_source = "key file " + file.string();
    fs::path next = file;
    next += ".next";
    if (fs::exists(next)) {
      ASSIGN_OR_RETURN(MasterKey pending, ReadKeyFile(next));
      keys.also_unwrap.push_back(std::move(pending));
    }
  }
  return keys;
}

}  // namespace reflexio
