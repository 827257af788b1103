#include "core/file_lock.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/test_support.h"

namespace reflexio {
namespace {

TEST(FileLockTest, IsExclusiveWhileHeldAndFreeOnceDestroyed) {
  testing::TempDir dir;
  std::string path = (dir.path() / "data.lock").string();
  auto first = FileLock::TryAcquire(path);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(first->has_value());
  auto second = FileLock::TryAcquire(path);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value()) << "a held lock was taken twice";

  // Moving it keeps it held; only the last owner's destruction frees it.
  std::optional<FileLock> moved = std::move(*first);
  first->reset();
  EXPECT_FALSE(FileLock::TryAcquire(path)->has_value());
  moved.reset();
  auto third = FileLock::TryAcquire(path);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->has_value()) << "a destroyed lock was still held";
}

TEST(FileLockTest, AnUnopenablePathIsAnErrorNotABusyLock) {
  auto lock = FileLock::TryAcquire("/nonexistent-dir/for/sure/data.lock");
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().message().find("/nonexistent-dir/for/sure/data.lock"), std::string::npos);
}

}  // namespace
}  // namespace reflexio
