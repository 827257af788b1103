// File-system helpers with the durability rules Reflexio relies on.
//
// "Durable" means the bytes and the directory entry survive a power cut: data is fsync'ed and
// so is the parent directory after a create or rename. All functions are thread-safe as long as
// callers do not race on the same path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/status.h"

namespace reflexio {

Status FsyncFile(const std::filesystem::path& path);
Status FsyncDirectory(const std::filesystem::path& dir);
// Writes to a temporary sibling, fsyncs it, renames it over `path`, fsyncs the directory.
Status WriteFileDurably(const std::filesystem::path& path, const std::string& bytes);
// Renames and fsyncs the destination directory.
Status RenameDurably(const std::filesystem::path& from, const std::filesystem::path& to);
Result<std::string> ReadWholeFile(const std::filesystem::path& path);
Status EnsureDirectory(const std::filesystem::path& dir);
void RemoveQuietly(const std::filesystem::path& path);
Result<uint64_t> FreeDiskBytes(const std::filesystem::path& path);

}  // namespace reflexio
