#include "core/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace reflexio {
namespace {

TEST(Ids, AreUuidV7AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId();
    ASSERT_TRUE(LooksLikeId(id)) << id;
    EXPECT_EQ(id[14], '7');
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, SortByCreationTime) {
  std::string earlier = NewIdAt(FromUnixSeconds(1700000000));
  std::string later = NewIdAt(FromUnixSeconds(1700000001));
  EXPECT_LT(earlier, later);
}

TEST(Ids, RejectsMalformed) {
  EXPECT_FALSE(LooksLikeId(""));
  EXPECT_FALSE(LooksLikeId("../../etc/passwd"));
  EXPECT_FALSE(LooksLikeId("0190ABCD-0000-7000-8000-000000000000"));
}

}  // namespace
}  // namespace reflexio
