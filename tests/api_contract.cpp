#include "api_contract.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/mutex.h"
#include "core/test_support.h"

namespace reflexio::testing {

namespace {

Mutex answers_mutex;
std::string answers GUARDED_BY(answers_mutex);  // JSON lines

std::string PathOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string::npos) return "/";
  return url.substr(start, url.find_first_of("?#", start) - start);
}

bool IsJson(const std::string& content_type) {
  return content_type.rfind("application/json", 0) == 0;
}

// At the end of the program, after the last test: every answer kept, through the checker.
class ContractCheck : public ::testing::Environment {
 public:
  void TearDown() override {
    std::string lines;
    {
      MutexLock lock(answers_mutex);
      lines.swap(answers);
    }
    if (lines.empty()) return;
    std::string output;
    int status = RunOpenApiCheck("responses " REFLEXIO_SOURCE_DIR "/src/api/openapi.json -", lines, &output);
    EXPECT_EQ(status, 0) << "answers off the API contract (src/api/openapi.json):\n" << output;
  }
};

::testing::Environment* const kContractCheck = ::testing::AddGlobalTestEnvironment(new ContractCheck);

}  // namespace

std::string AnswerLine(const std::string& method, const std::string& url, const HttpResponse& response) {
  std::string content_type = response.Header("content-type");
  nlohmann::json line = {{"method", method}, {"path", PathOf(url)}, {"status", response.status},
                         {"content_type", content_type},
                         // Only JSON is checked by schema; other bodies (audio, PDF, tar) need not be valid text.
                         {"body", IsJson(content_type) ? response.body : std::string()}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void RecordAnswer(const std::string& method, const std::string& url, const HttpResponse& response) {
  std::string line = AnswerLine(method, url, response);
  MutexLock lock(answers_mutex);
  answers += line;
}

int RunOpenApiCheck(const std::string& args, const std::string& input, std::string* output) {
  return RunWithInput("node " REFLEXIO_SOURCE_DIR "/tests/peers/openapi-check.mjs " + args, input, output);
}

}  // namespace reflexio::testing
