#include "log_secrets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>

#include "core/file_util.h"
#include "core/strings.h"
#include "core/test_support.h"

namespace reflexio::testing {

namespace {

// Every file of the program's own source, lower-cased: a word the program itself says (in a log
// message, a setting) is not a leak when it happens to be in a recording too.
const std::string& OwnSource() {
  static const std::string source = [] {
    std::string all;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(REFLEXIO_SOURCE_DIR) / "src")) {
      if (!entry.is_regular_file()) continue;
      auto text = ReadWholeFile(entry.path().string());
      if (text.ok()) all += AsciiLower(*text);
    }
    return all;
  }();
  return source;
}

// Long words of the reference transcripts of the recordings the suites upload: a log holding
// one has logged what someone said. Short words (the, and) could be in any log line.
const std::set<std::string>& SpokenWords() {
  static const std::set<std::string> words = [] {
    std::set<std::string> found;
    for (const char* language : {"en", "ru"}) {
      for (const auto& [file, reference] : References(language)) {
        std::istringstream in(AsciiLower(reference));
        std::string word;
        while (in >> word) {
          // Bytes, not letters: a Russian word of eight bytes has four letters, still distinctive.
          if (word.size() >= 8 && OwnSource().find(word) == std::string::npos) found.insert(word);
        }
      }
    }
    return found;
  }();
  return words;
}

bool IsSecretSetting(const std::string& name) {
  if (name.size() > 5 && name.compare(name.size() - 5, 5, "_FILE") == 0) return false;  // a path
  for (const char* marker : {"TOKEN", "SECRET", "PASSWORD", "API_KEY", "SIGNING"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

bool HasWord(const std::string& lower_log, const std::string& word) {
  for (size_t at = lower_log.find(word); at != std::string::npos; at = lower_log.find(word, at + 1)) {
    auto letter = [&](size_t i) { return std::isalpha(static_cast<unsigned char>(lower_log[i])) != 0; };
    bool starts = at == 0 || !letter(at - 1);
    bool ends = at + word.size() >= lower_log.size() || !letter(at + word.size());
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> LeaksInLog(const std::string& log, const std::map<std::string, std::string>& env,
                                    const std::vector<std::string>& key_files) {
  std::vector<std::string> leaks;
  static const std::regex kApiKey(R"(rfx_[A-Za-z0-9_-]{43})");
  if (std::regex_search(log, kApiKey)) leaks.push_back("an API key (rfx_…)");
  for (const auto& [name, value] : env) {
    if (IsSecretSetting(name) && value.size() >= 6 && log.find(value) != std::string::npos) {
      leaks.push_back("the value of " + name);
    }
  }
  static const std::regex kUrlPassword(R"(://[^:/@\s]+:([^@\s]+)@)");
  std::smatch password;
  auto url = env.find("DATABASE_URL");
  if (url != env.end() && std::regex_search(url->second, password, kUrlPassword) &&
      log.find(password[1].str()) != std::string::npos) {
    leaks.push_back("the password in DATABASE_URL");
  }
  for (const std::string& file : key_files) {
    auto key = ReadWholeFile(file);
    if (!key.ok()) continue;
    std::string hex = *key;
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    if (hex.size() >= 32 && log.find(hex) != std::string::npos) leaks.push_back("the master key in " + file);
  }
  std::string lower = AsciiLower(log);
  for (const std::string& word : SpokenWords()) {
    if (HasWord(lower, word)) leaks.push_back("the spoken word '" + word + "'");
  }
  return leaks;
}

void ExpectNoLeaksInLog(const std::string& who, const std::string& log,
                        const std::map<std::string, std::string>& env, const std::vector<std::string>& key_files) {
  for (const std::string& leak : LeaksInLog(log, env, key_files)) {
    ADD_FAILURE() << who << "'s log holds " << leak;
  }
}

}  // namespace reflexio::testing
