#include "core/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

namespace reflexio {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, DefaultsAreSafe) {
  auto config = LoadConfig("", FakeEnv({}));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 8000);
  EXPECT_EQ(config->data_dir, "./data");
  EXPECT_EQ(config->asr_engine, "pocketsphinx");
  EXPECT_GE(config->worker_threads, 1);
}

TEST(Config, EnvironmentOverridesToml) {
  auto path = std::filesystem::temp_directory_path() / "reflexio_config_test.toml";
  std::ofstream(path) << "[server]\nport = 9000\nhost = \"0.0.0.0\"\n"
                         "[asr.remote]\nurls = [\"http://a:1\", \"http://b:2\"]\n";
  auto config = LoadConfig(path.string(), FakeEnv({{"REFLEXIO_PORT", "0"}}));
  std::filesystem::remove(path);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->port, 0);
  EXPECT_EQ(config->host, "0.0.0.0");
  ASSERT_EQ(config->remote_asr.base_urls.size(), 2u);
  EXPECT_EQ(config->remote_asr.base_urls[1], "http://b:2");
}

TEST(Config, BadValuesSayWhichSettingIsWrong) {
  auto config = LoadConfig("", FakeEnv({{"REFLEXIO_PORT", "eighty"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("REFLEXIO_PORT"), std::string::npos);
  auto engine = LoadConfig("", FakeEnv({{"REFLEXIO_ASR_ENGINE", "magic"}}));
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("pocketsphinx, remote or whisper"), std::string::npos);
}

TEST(Config, BrokenTomlNamesTheLine) {
  auto path = std::filesystem::temp_directory_path() / "reflexio_config_bad.toml";
  std::ofstream(path) << "[server]\nport = = 1\n";
  auto config = LoadConfig(path.string(), FakeEnv({}));
  std::filesystem::remove(path);
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find(":2:"), std::string::npos) << config.status().message();
}

}  // namespace
}  // namespace reflexio

namespace reflexio {
namespace {

TEST(Config, TheShippedExampleFileIsValid) {
  auto config = LoadConfig(std::string(REFLEXIO_SOURCE_DIR) + "/reflexio.toml.example", FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->remote_asr.base_urls.size(), 1u);
  EXPECT_EQ(config->job_max_attempts, 5);
  EXPECT_EQ(config->llm.provider, "embedded");
  EXPECT_DOUBLE_EQ(config->llm.deepconf_threshold, 2.5);
  EXPECT_EQ(config->digest_time, "22:50");
  EXPECT_EQ(config->telegram.api_url, "https://api.telegram.org");
  EXPECT_EQ(config->telegram.max_attempts, 8);
  EXPECT_EQ(config->asr_engine, "pocketsphinx") << "no Whisper model named";
  EXPECT_EQ(config->whisper_languages, (std::vector<std::string>{"ru", "en"}));
}

TEST(Config, AWhisperModelBecomesTheDefaultEngine) {
  EXPECT_EQ(LoadConfig("", FakeEnv({})).value().asr_engine, "pocketsphinx");
  auto whisper = LoadConfig("", FakeEnv({{"REFLEXIO_WHISPER_MODEL", "/models/whisper-small"},
                                         {"REFLEXIO_WHISPER_LANGUAGES", "ru"}}));
  ASSERT_TRUE(whisper.ok()) << whisper.status().ToString();
  EXPECT_EQ(whisper->asr_engine, "whisper");
  EXPECT_EQ(whisper->whisper_languages, std::vector<std::string>{"ru"});
  EXPECT_EQ(LoadConfig("", FakeEnv({{"REFLEXIO_WHISPER_MODEL", "/m"}, {"REFLEXIO_ASR_ENGINE", "pocketsphinx"}}))
                .value()
                .asr_engine,
            "pocketsphinx")
      << "named, an engine is kept";
  EXPECT_EQ(LoadConfig("", FakeEnv({{"REFLEXIO_WHISPER_MODEL", "/m"}, {"REFLEXIO_ASR_ENGINE", ""}})).value().asr_engine,
            "whisper")
      << "empty, as .env.example leaves it: chosen";
  auto missing = LoadConfig("", FakeEnv({{"REFLEXIO_ASR_ENGINE", "whisper"}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("REFLEXIO_WHISPER_MODEL"), std::string::npos);
}

TEST(Config, TelegramComesFromItsEnvironmentVariables) {
  auto config = LoadConfig("", FakeEnv({{"TELEGRAM_BOT_TOKEN", "1:abc"}, {"TELEGRAM_CHAT_ID", "-100200"},
                                        {"TELEGRAM_API_URL", "http://127.0.0.1:9"},
                                        {"REFLEXIO_TELEGRAM_RETRY_BASE_S", "0.5"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->telegram.bot_token, "1:abc");
  EXPECT_EQ(config->telegram.chat_id, "-100200");
  EXPECT_EQ(config->telegram.api_url, "http://127.0.0.1:9");
  EXPECT_DOUBLE_EQ(config->telegram.retry_base_s, 0.5);
  EXPECT_FALSE(LoadConfig("", FakeEnv({{"REFLEXIO_TELEGRAM_MAX_ATTEMPTS", "0"}})).ok());
  EXPECT_TRUE(LoadConfig("", FakeEnv({})).value().telegram.bot_token.empty()) << "nothing is sent by default";
}

TEST(Config, EverySettingIsInTheExampleFilesAndNothingElse) {
  std::ifstream env_example(std::string(REFLEXIO_SOURCE_DIR) + "/.env.example");
  std::set<std::string> listed;
  for (std::string line; std::getline(env_example, line);) {
    std::smatch m;
    if (std::regex_search(line, m, std::regex("^#? ?([A-Z][A-Z0-9_]+)="))) listed.insert(m[1]);
  }
  std::set<std::string> known;
  for (const SettingName& setting : KnownSettings()) {
    known.insert(setting.env_name);
    EXPECT_TRUE(listed.count(setting.env_name)) << setting.env_name << " is read but not in .env.example";
  }
  for (const std::string& name : listed) EXPECT_TRUE(known.count(name)) << name << " is in .env.example but never read";
}

TEST(Config, TheServerLimitsAndTheReplayBitrateAreSettings) {
  auto config = LoadConfig("", FakeEnv({{"REFLEXIO_IDLE_TIMEOUT_S", "5"}, {"REFLEXIO_MAX_JSON_BODY_BYTES", "65536"},
                                        {"REFLEXIO_OPUS_BITRATE", "24000"}, {"REFLEXIO_HANDLER_THREADS", "3"}}));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_DOUBLE_EQ(config->idle_timeout_s, 5);
  EXPECT_EQ(config->max_json_body_bytes, 65536u);
  EXPECT_EQ(config->opus_bitrate, 24000);
  EXPECT_EQ(config->handler_threads, 3);
  auto low = LoadConfig("", FakeEnv({{"REFLEXIO_OPUS_BITRATE", "100"}}));
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.status().message(), "environment: REFLEXIO_OPUS_BITRATE must be a number from 6000 to 128000, not '100'");
  auto level = LoadConfig("", FakeEnv({{"REFLEXIO_LOG_LEVEL", "loud"}}));
  ASSERT_FALSE(level.ok());
  EXPECT_EQ(level.status().message(),
            "environment: REFLEXIO_LOG_LEVEL must be debug, info, warn, warning or error, not 'loud'");
  auto path = std::filesystem::temp_directory_path() / "reflexio_config_switch.toml";
  std::ofstream(path) << "[understanding.llm]\nlogprobs = \"sometimes\"\n";
  auto from_toml = LoadConfig(path.string(), FakeEnv({}));
  std::filesystem::remove(path);
  ASSERT_FALSE(from_toml.ok());
  EXPECT_EQ(from_toml.status().message(),
            path.string() + ": understanding.llm.logprobs must be true or false, not 'sometimes'");
}

TEST(Config, AChatModelNeedsItsAddressAndName) {
  auto missing = LoadConfig("", FakeEnv({{"REFLEXIO_LLM_PROVIDER", "chat"}}));
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("REFLEXIO_LLM_BASE_URL"), std::string::npos);
  EXPECT_FALSE(LoadConfig("", FakeEnv({{"REFLEXIO_LLM_PROVIDER", "gpt"}})).ok());
  EXPECT_FALSE(LoadConfig("", FakeEnv({{"REFLEXIO_LLM_RESPONSE_FORMAT", "yaml"}})).ok());
  auto chat = LoadConfig("", FakeEnv({{"REFLEXIO_LLM_PROVIDER", "chat"}, {"REFLEXIO_LLM_BASE_URL", "http://127.0.0.1:8080/v1"},
                                      {"REFLEXIO_LLM_MODEL", "m"}, {"REFLEXIO_LLM_LOGPROBS", "false"},
                                      {"LETTA_API_URL", "http://127.0.0.1:8283"}}));
  ASSERT_TRUE(chat.ok()) << chat.status().ToString();
  EXPECT_FALSE(chat->llm.logprobs);
  EXPECT_EQ(chat->letta.api_url, "http://127.0.0.1:8283");
}

}  // namespace
}  // namespace reflexio
