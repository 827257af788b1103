// What every command shares: configuration with flags applied, the data directory, the
// database, and the ASR engine factory chosen by configuration. Used from main's thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "asr/engine.h"
#include "core/config.h"
#include "storage/sqlite_database.h"

namespace reflexio {

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::optional<int> port;
};

Result<Config> LoadConfigWithFlags(const CommonFlags& flags);
Status PrepareDataDirectory(const Config& config);
Result<std::unique_ptr<SqliteDatabase>> OpenDatabase(const Config& config);
std::string DatabasePath(const Config& config);

// The engine named by config.asr_engine (or `override_engine`), wired with fallback for remote.
Result<AsrEngineFactory> MakeEngineFactory(const Config& config, const std::string& override_engine = "");

}  // namespace reflexio
