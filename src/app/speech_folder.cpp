#include "app/speech_folder.h"

#include <fstream>
#include <sstream>

namespace reflexio {

Result<std::vector<TranscribedFile>> ReadTranscriptsTsv(const std::filesystem::path& dir) {
  std::ifstream in(dir / "transcripts.tsv");
  if (!in) return NotFound((dir / "transcripts.tsv").string() + " not found; DIR must hold transcripts.tsv");
  std::vector<TranscribedFile> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    TranscribedFile row;
    std::getline(fields, row.file, '\t');
    std::getline(fields, row.reference, '\t');
    if (!row.file.empty()) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace reflexio
