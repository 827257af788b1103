// The operator commands, run as a person would: the real binary, its exit codes and output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "digest/testing/telegram_peer.h"
#include "server_harness.h"
#include "text/wer.h"

namespace reflexio::testing {
namespace {

using nlohmann::json;

// Every command `reflexio --help` lists answers its own --help: the list is read from that help
// text, so a command added there without --help fails here.
TEST(Cli, HelpExistsForEveryCommand) {
  std::string top;
  ASSERT_EQ(RunReflexio({"--help"}, &top), 0);
  std::vector<std::vector<std::string>> commands;
  std::istringstream lines(top.substr(top.find("commands:")));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  ", 0) != 0 || line.size() < 3 || line[2] == ' ') continue;  // a command starts at column 2
    std::istringstream words(line.substr(0, line.find("  ", 2)));  // the command column ends at two spaces
    std::vector<std::string> command;
    for (std::string word; words >> word && std::islower(static_cast<unsigned char>(word[0]));) command.push_back(word);
    if (!command.empty()) commands.push_back(command);
  }
  ASSERT_GE(commands.size(), 15u) << top;
  for (std::vector<std::string> args : commands) {
    std::string name = ::testing::PrintToString(args);
    args.push_back("--help");
    std::string out, err;
    EXPECT_EQ(RunReflexio(args, &out, &err), 0) << name << ": " << err;
    EXPECT_NE(out.find("usage"), std::string::npos) << name << ": " << out;
  }
  std::string err;
  EXPECT_EQ(RunReflexio({"frobnicate"}, nullptr, &err), 2);
  EXPECT_NE(err.find("unknown command"), std::string::npos);
  EXPECT_EQ(RunReflexio({"serve", "--no-such-flag"}, nullptr, &err), 2);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one-line error: " << err;
}

// Two files through every pass of bench asr: the figures are printed, the ratios computed from
// them, and the server path's transcripts are scored like the others.
TEST(Cli, BenchAsrRunsEveryPassOnTwoFiles) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "asr", SpeechDir("en").string(), "--limit", "2"}, &out, &err,
                        {{"REFLEXIO_WORKER_THREADS", "2"}}),
            0)
      << err;
  EXPECT_NE(out.find("2 files,"), std::string::npos) << out;
  for (const char* row : {"raw engine, one core", "pipeline, one core", "raw engine on 2 cores", "pipeline on 2 cores",
                          "server, first upload to last transcript on 2 cores",
                          "pocketsphinx_continuous, 2 processes", "server's throughput / the raw engine's on 2 cores",
                          "server's throughput / pocketsphinx_continuous's"}) {
    EXPECT_NE(out.find(row), std::string::npos) << row << " missing from:\n" << out;
  }
  // Each pass heard the speech: the WER line has three rates, none of them 100 %.
  size_t wer = out.find("WER ");
  ASSERT_NE(wer, std::string::npos);
  EXPECT_EQ(out.substr(wer, out.find('\n', wer) - wer).find("100.0 %"), std::string::npos) << out;
  EXPECT_NE(err.find("server path"), std::string::npos) << "progress on stderr: " << err;
  EXPECT_EQ(RunReflexio({"bench", "asr", "/nonexistent"}, nullptr, &err), 1);
  EXPECT_EQ(RunReflexio({"bench", "asr"}, nullptr, &err), 2);
}

TEST(Cli, BenchSearchMeasuresBothIndexesOnTheSameTranscripts) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "search", SpeechDir("en").string(), SpeechDir("ru").string(), "--copies", "3",
                         "--rounds", "1"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("plaintext words (spine)"), std::string::npos) << out;
  EXPECT_NE(out.find("sealed + blind index"), std::string::npos) << out;
  EXPECT_NE(out.find("ratio sealed/plaintext"), std::string::npos) << out;
  EXPECT_NE(err.find("searching"), std::string::npos) << "progress on stderr";
  EXPECT_EQ(RunReflexio({"bench", "search", "/nonexistent"}, nullptr, &err), 1);
  EXPECT_NE(err.find("transcripts.tsv"), std::string::npos) << err;
}

// The year mode at a small size on both backends (PostgreSQL: the cluster scripts/test.sh starts).
TEST(Cli, BenchSearchYearPrintsEveryQueryKindOnBothBackends) {
  const char* postgres = std::getenv("REFLEXIO_TEST_POSTGRES_URL");
  ASSERT_NE(postgres, nullptr) << "run through scripts/test.sh, which starts a PostgreSQL cluster";
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "search", SpeechDir("en").string(), SpeechDir("ru").string(), "--year", "--segments",
                         "3000", "--tenants", "2", "--tenant-segments", "300", "--queries", "3", "--questions", "20",
                         "--postgres", postgres}, &out, &err), 0) << err;
  EXPECT_NE(out.find("3600 segments"), std::string::npos) << out;
  for (const char* backend : {"sqlite", "postgres"}) {
    for (const char* kind : {"1 word, frequent", "1 word, rare", "2 words", "3 words", "phrase (4 words)",
                             "1 word + a month", "page 10, frequent word"}) {
      EXPECT_NE(out.find(std::string(backend) + std::string(11 - std::string(backend).size(), ' ') + kind),
                std::string::npos) << backend << " " << kind << " missing from:\n" << out;
    }
  }
  // Ranking works: most segments sought by their own words are found on the first page.
  std::regex found_line(R"((sqlite|postgres) .* (\d+) of 20 )");
  int backends = 0;
  for (std::sregex_iterator it(out.begin(), out.end(), found_line), end; it != end; ++it, ++backends) {
    EXPECT_GE(std::stoi((*it)[2]), 10) << it->str();
  }
  EXPECT_EQ(backends, 2) << out;
  EXPECT_NE(err.find("storing"), std::string::npos) << "progress on stderr";
  EXPECT_EQ(RunReflexio({"bench", "search", SpeechDir("en").string(), "--year", "--dictionary", "/nonexistent"}, nullptr,
                        &err), 1);
  EXPECT_NE(err.find("wamerican"), std::string::npos) << err;
}

// Exit 0 means every upload was acknowledged with 202 and every /health answered 200.
TEST(Cli, BenchHttpTimesUploadsAndHealthOnAnEmbeddedServer) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "http", (SpeechDir("en") / "LJ001-0001.wav").string(), "--uploads", "2",
                         "--minutes", "0.2", "--rounds", "1"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("2 uploads at once x 1 rounds"), std::string::npos) << out;
  EXPECT_NE(out.find("/health, while uploads are checked"), std::string::npos) << out;
  const std::string acks_label = "upload acknowledged (202)";
  size_t acks = out.find(acks_label);
  ASSERT_NE(acks, std::string::npos) << out;
  int acknowledged = 0;
  std::istringstream(out.substr(acks + acks_label.size())) >> acknowledged;
  EXPECT_EQ(acknowledged, 2) << "one figure per upload:\n" << out;
  EXPECT_NE(err.find("round 1/1"), std::string::npos) << "progress on stderr: " << err;
  EXPECT_EQ(RunReflexio({"bench", "http", "/nonexistent.wav"}, nullptr, &err), 1);
  EXPECT_EQ(RunReflexio({"bench", "http"}, nullptr, &err), 2);
}

TEST(Cli, BenchUnderstandingMeasuresMemoryAgainstRawHistory) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "understanding", SpeechDir("en").string(), "--days", "2", "--per-day", "3"}, &out,
                        &err), 0) << err;
  EXPECT_NE(out.find("6 episodes enriched"), std::string::npos) << out;
  EXPECT_NE(out.find("100.0% with evidence"), std::string::npos) << out;
  EXPECT_NE(out.find("tokens of raw history"), std::string::npos) << out;
  EXPECT_EQ(RunReflexio({"bench", "understanding", SpeechDir("en").string(), "--per-day", "0"}, nullptr, &err), 2);
  EXPECT_EQ(RunReflexio({"bench", "understanding"}, nullptr, &err), 2);
}

TEST(Cli, BenchWhisperTimesTheArithmeticAtAPublishedSize) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "whisper", "--sizes", "tiny", "--tokens", "2", "--rounds", "1"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("tiny "), std::string::npos) << out;
  EXPECT_EQ(out.find("whisper.cpp"), std::string::npos) << "no ratio to figures measured elsewhere: " << out;
  // The weights' megabytes: the first number after the size.
  auto megabytes = [](const std::string& table) { return std::stod(table.substr(table.find("\ntiny ") + 6)); };
  std::string half_out;
  ASSERT_EQ(RunReflexio({"bench", "whisper", "--sizes", "tiny", "--tokens", "2", "--rounds", "1", "--float16",
                         "--concurrent"},
                        &half_out, &err), 0)
      << err;
  EXPECT_NE(half_out.find("weights float16"), std::string::npos) << half_out;
  EXPECT_NE(half_out.find("at once on two threads"), std::string::npos) << half_out;
  EXPECT_NEAR(megabytes(half_out) / megabytes(out), 0.5, 0.02) << out << half_out;
  EXPECT_EQ(RunReflexio({"bench", "whisper", "--sizes", "huge"}, nullptr, &err), 2);
  EXPECT_NE(err.find("tiny, base, small"), std::string::npos) << err;
}

TEST(Cli, BenchDigestTimesEveryFormatOfAHeavyDay) {
  std::string out, err;
  ASSERT_EQ(RunReflexio({"bench", "digest", SpeechDir("en").string(), "--hours", "0.2", "--rounds", "1"}, &out, &err), 0)
      << err;
  EXPECT_NE(out.find("12.0 speech minutes"), std::string::npos) << out;
  EXPECT_NE(out.find("PDF (from the JSON)"), std::string::npos) << out;
  EXPECT_EQ(RunReflexio({"bench", "digest", SpeechDir("en").string(), "--hours", "0"}, nullptr, &err), 2);
}

TEST(Cli, DigestOnceDeliversToTelegramAndItsExitStatusSaysWhetherItArrived) {
  TelegramPeer peer("111:cli-secret");
  TempDir dir;
  std::string data = dir / "data";
  ASSERT_FALSE(CreateKey(data, "alice").empty());
  std::map<std::string, std::string> env = {{"TELEGRAM_BOT_TOKEN", "111:cli-secret"}, {"TELEGRAM_CHAT_ID", "99"},
                                            {"TELEGRAM_API_URL", peer.api_url()},
                                            {"REFLEXIO_TELEGRAM_RETRY_BASE_S", "0.2"},
                                            {"REFLEXIO_TELEGRAM_MAX_ATTEMPTS", "3"}};
  std::vector<std::string> once = {"digest", "--once", "--date", "2026-11-20", "--data-dir", data};
  std::string out, err;
  ASSERT_EQ(RunReflexio(once, &out, &err, env), 0) << err;
  EXPECT_NE(err.find("delivered to Telegram chat 99"), std::string::npos) << err;
  auto delivered = peer.delivered();
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_NE(delivered[0].text.find("2026-11-20"), std::string::npos);
  EXPECT_EQ(delivered[1].document.rfind("%PDF-", 0), 0u);

  std::vector<std::string> quiet = once;
  quiet.push_back("--no-telegram");
  ASSERT_EQ(RunReflexio(quiet, &out, &err, env), 0) << err;
  EXPECT_EQ(peer.delivered().size(), 2u) << "--no-telegram sends nothing";

  peer.RateLimitNext(1, 1);
  ASSERT_EQ(RunReflexio(once, &out, &err, env), 0) << err;
  EXPECT_NE(err.find("429"), std::string::npos) << "it says why it waited: " << err;
  EXPECT_EQ(peer.delivered().size(), 4u) << "asked again, it is sent again";

  peer.SetDown(true);
  EXPECT_EQ(RunReflexio(once, &out, &err, env), 1) << err;
  EXPECT_NE(err.find("502"), std::string::npos) << err;
  EXPECT_EQ(err.find("cli-secret"), std::string::npos) << "no token in what it prints";
  peer.SetDown(false);

  env.erase("TELEGRAM_BOT_TOKEN");
  ASSERT_EQ(RunReflexio(once, &out, &err, env), 0) << err;
  EXPECT_NE(err.find("not sent to Telegram: Telegram is not configured"), std::string::npos) << err;
}

TEST(Cli, DigestOnceBuildsADayAndItsExitStatusSaysHowItWent) {
  TempDir dir;
  std::string data = dir / "data";
  ASSERT_FALSE(CreateKey(data, "alice").empty());
  std::string out, err;
  ASSERT_EQ(RunReflexio({"digest", "--once", "--date", "2026-11-20", "--data-dir", data}, &out, &err), 0) << err;
  json digest = json::parse(out);
  EXPECT_EQ(digest["date"], "2026-11-20");
  EXPECT_EQ(digest["status"], "empty");
  EXPECT_NE(err.find("building the digest of 2026-11-20"), std::string::npos) << "progress on stderr";
  ASSERT_EQ(RunReflexio({"digest", "--once", "--format", "pdf", "--output", dir / "d.pdf", "--data-dir", data}, &out, &err),
            0) << err;
  EXPECT_EQ(ReadFileBytes(dir / "d.pdf").rfind("%PDF-", 0), 0u);
  // Usage errors: 2, one line.
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"digest", "--date", "today"}, {"digest", "--once", "--date", "2026-13-01"},
           {"digest", "--once", "--format", "pdf"}, {"digest", "--once", "--tenant", "nobody"}}) {
    bad.push_back("--data-dir");
    bad.push_back(data);
    EXPECT_EQ(RunReflexio(bad, nullptr, &err), 2) << bad[1] << ": " << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
  ASSERT_FALSE(CreateKey(data, "bob").empty());
  EXPECT_EQ(RunReflexio({"digest", "--once", "--data-dir", data}, nullptr, &err), 2);
  EXPECT_NE(err.find("--tenant"), std::string::npos) << err;
  // A build that fails (a master key that cannot open alice's data key): 1.
  std::string wrong_key = dir / "wrong.key";
  {
    std::ofstream key(wrong_key);
    key << std::string(64, 'a') << "\n";
  }
  std::filesystem::permissions(wrong_key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(RunReflexio({"digest", "--once", "--tenant", "alice", "--data-dir", data}, nullptr, &err,
                        {{"REFLEXIO_KEY_FILE", wrong_key}}),
            1) << err;
}

TEST(Cli, TranscribePrintsTextAndJsonWithProgressOnStderr) {
  std::string out, err;
  std::string file = (SpeechDir() / "1988-24833-0002.flac").string();
  ASSERT_EQ(RunReflexio({"transcribe", file}, &out, &err), 0) << err;
  EXPECT_LT(ScoreWords(References()["1988-24833-0002.flac"], out).Rate(), 0.6) << out;
  EXPECT_NE(err.find("transcribed"), std::string::npos) << err;
  ASSERT_EQ(RunReflexio({"transcribe", "--json", file}, &out, &err), 0) << err;
  json parsed = json::parse(out);
  EXPECT_EQ(parsed["engine"], "pocketsphinx");
  ASSERT_FALSE(parsed["segments"].empty());
  EXPECT_FALSE(parsed["segments"][0]["words"].empty());
}

TEST(Cli, TranscribeRunsAWhisperCheckpointWhenOneIsConfigured) {
  // The random-weight reference model: its words mean nothing, but it runs end to end offline.
  std::map<std::string, std::string> env = {
      {"REFLEXIO_WHISPER_MODEL", std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model"}};
  std::string out, err;
  ASSERT_EQ(RunReflexio({"transcribe", "--json", (SpeechDir() / "16k" / "LJ001-0001.wav").string()}, &out, &err, env), 0)
      << err;
  EXPECT_EQ(json::parse(out)["engine"], "whisper") << out;
  EXPECT_EQ(RunReflexio({"transcribe", (SpeechDir() / "16k" / "LJ001-0001.wav").string()}, &out, &err,
                        {{"REFLEXIO_ASR_ENGINE", "whisper"}}),
            1);
  EXPECT_NE(err.find("REFLEXIO_WHISPER_MODEL"), std::string::npos) << err;
}

TEST(Cli, ModelsCheckSaysWhatACheckpointHoldsOrWhatIsWrongWithIt) {
  std::string model = std::string(REFLEXIO_SHARED_DIR) + "/data/whisper-test-model";
  std::string out, err;
  ASSERT_EQ(RunReflexio({"models", "check", model}, &out, &err), 0) << err;
  EXPECT_NE(out.find("Whisper custom"), std::string::npos) << "a toy size: " << out;
  EXPECT_NE(out.find("F32"), std::string::npos) << out;
  EXPECT_NE(out.find("80 mel bins, 2+2 layers of 64"), std::string::npos) << out;
  EXPECT_NE(out.find("99 languages (ru: yes, en: yes)"), std::string::npos) << out;
  TempDir dir;
  std::filesystem::copy_file(model + "/config.json", dir / "config.json");
  std::filesystem::copy_file(model + "/vocab.json", dir / "vocab.json");
  EXPECT_EQ(RunReflexio({"models", "check", dir.path().string()}, &out, &err), 1);
  EXPECT_NE(err.find("model.safetensors"), std::string::npos) << err;
  std::filesystem::create_symlink(model + "/model.fp16.safetensors", dir / "model.safetensors");
  ASSERT_EQ(RunReflexio({"models", "check", dir.path().string()}, &out, &err), 0) << err;
  EXPECT_NE(out.find("F16"), std::string::npos) << out;
  EXPECT_EQ(RunReflexio({"models"}, &out, &err), 2);
}

TEST(Cli, TranscribeFailsClearlyOnAFileThatIsNotAudio) {
  TempDir dir;
  std::ofstream(dir / "notes.txt") << "not audio";
  std::string out, err;
  EXPECT_EQ(RunReflexio({"transcribe", dir / "notes.txt"}, &out, &err), 1);
  EXPECT_NE(err.find("reflexio: "), std::string::npos);
  EXPECT_NE(err.find("not in an accepted audio format"), std::string::npos) << err;
  EXPECT_EQ(RunReflexio({"transcribe"}, &out, &err), 2);
}

TEST(Cli, MigrateAppliesAndVerifyCatchesAChangedFile) {
  TempDir dir;
  std::string data = dir / "data";
  std::string out, err;
  EXPECT_NE(RunReflexio({"migrate", "--verify", "--data-dir", data}, &out, &err), 0) << "nothing applied yet";
  ASSERT_EQ(RunReflexio({"migrate", "--data-dir", data}, &out, &err), 0) << err;
  EXPECT_NE(out.find("applied 0001_init.sql"), std::string::npos) << out;
  ASSERT_EQ(RunReflexio({"migrate", "--verify", "--data-dir", data}, &out, &err), 0) << err;

  // An operator edits an applied migration: verify must refuse.
  std::filesystem::create_directories(dir.path() / "m");
  for (const auto& entry : std::filesystem::directory_iterator(std::string(REFLEXIO_SOURCE_DIR) + "/migrations/sqlite")) {
    std::filesystem::copy_file(entry.path(), dir.path() / "m" / entry.path().filename());
  }
  std::ofstream(dir / "m/0002_indexes.sql", std::ios::app) << "\nCREATE INDEX sneaky ON tenants (name);\n";
  EXPECT_EQ(RunReflexio({"migrate", "--verify", "--data-dir", data, "--migrations-dir", dir / "m"}, &out, &err), 1);
  EXPECT_NE(err.find("0002_indexes.sql was changed"), std::string::npos) << err;
}

TEST(Cli, KeysCreatePrintsTheKeyAloneOnTheLastLineAndStoresOnlyItsHash) {
  TempDir dir;
  std::string key = CreateKey(dir / "data", "carol");
  ASSERT_EQ(key.size(), 47u) << key;
  EXPECT_EQ(key.rfind("rfx_", 0), 0u);
  for (const auto& [path, bytes] : FileContentsUnder(dir / "data")) {
    EXPECT_EQ(bytes.find(key), std::string::npos) << "the key itself must not be stored, but " << path << " has it";
  }
  EXPECT_NE(CreateKey(dir / "data", "carol"), key);
  std::string err;
  EXPECT_EQ(RunReflexio({"keys", "create"}, nullptr, &err), 2);
  EXPECT_NE(err.find("give either --tenant NAME or --operator"), std::string::npos) << err;
  EXPECT_EQ(RunReflexio({"keys", "create", "--tenant", "carol", "--operator", "--data-dir", dir / "data"}, nullptr, &err), 2);
  std::string out;
  ASSERT_EQ(RunReflexio({"keys", "create", "--operator", "--data-dir", dir / "data"}, &out, &err), 0) << err;
  std::string operator_key = out.substr(out.find_last_of('\n', out.size() - 2) + 1);
  operator_key.pop_back();
  EXPECT_EQ(operator_key.rfind("rfx_", 0), 0u) << out;
  for (const auto& [path, bytes] : FileContentsUnder(dir / "data")) {
    EXPECT_EQ(bytes.find(operator_key), std::string::npos) << "an operator key is stored as its hash too: " << path;
  }
}

}  // namespace
}  // namespace reflexio::testing
