#include "text/text_data.h"

#include <sstream>

namespace reflexio {

std::vector<std::string> DataFileLines(std::string_view name_prefix) {
  std::vector<std::string> lines;
  for (const auto& [name, contents] : kTextDataFiles) {
    if (name.substr(0, name_prefix.size()) != name_prefix) continue;
    std::istringstream in{std::string(contents)};
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      lines.push_back(line);
    }
  }
  return lines;
}

}  // namespace reflexio
