// A speech folder shaped like shared/data/speech/<language>: transcripts.tsv (file, reference,
// … — tab-separated, one header line) beside the audio it names. Used by the benchmarks.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.h"

namespace reflexio {

struct TranscribedFile {
  std::string file;       // relative to the folder
  std::string reference;  // what was said
};

// Every row of DIR/transcripts.tsv with a file name; kNotFound when there is no such file.
Result<std::vector<TranscribedFile>> ReadTranscriptsTsv(const std::filesystem::path& dir);

}  // namespace reflexio
