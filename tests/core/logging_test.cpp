#include <gtest/gtest.h>
#include <keel/core/detail/logging.h>
#include <keel/core/error.h>

#include <string>
#include <utility>

#include "test_util.h"

namespace keel {
namespace {

// Restores the log level a test changes.
class LogLevelGuard {
 public:
  LogLevelGuard() : saved_(log_level()) {}
  ~LogLevelGuard() { set_log_level(saved_); }

 private:
  LogLevel saved_;
};

TEST(Logging, ParsesEveryLevelName) {
  const std::pair<const char*, LogLevel> cases[] = {
      {"trace", LogLevel::trace}, {"debug", LogLevel::debug}, {"info", LogLevel::info},
      {"warn", LogLevel::warn},   {"error", LogLevel::error}, {"critical", LogLevel::critical},
      {"off", LogLevel::off}};
  for (const auto& [name, level] : cases) EXPECT_EQ(parse_log_level(name), level) << name;
}

TEST(Logging, UnknownLevelNameListsTheKnownOnes) {
  EXPECT_THROW_MSG(
      parse_log_level("verbose"), ValueError,
      "KEEL_LOG_LEVEL: 'verbose' is not one of trace, debug, info, warn, error, critical, off");
}

TEST(Logging, LevelNamesAreCaseSensitive) {
  EXPECT_THROW_MSG(parse_log_level("WARN"), ValueError, "'WARN'");
}

TEST(Logging, SetLogLevelIsReadBack) {
  LogLevelGuard guard;
  set_log_level(LogLevel::debug);
  EXPECT_EQ(log_level(), LogLevel::debug);
  set_log_level(LogLevel::critical);
  EXPECT_EQ(log_level(), LogLevel::critical);
}

TEST(Logging, LogEnabledForTheLevelAndAbove) {
  LogLevelGuard guard;
  set_log_level(LogLevel::error);
  EXPECT_FALSE(log_enabled(LogLevel::info));
  EXPECT_FALSE(log_enabled(LogLevel::warn));
  EXPECT_TRUE(log_enabled(LogLevel::error));
  EXPECT_TRUE(log_enabled(LogLevel::critical));
  set_log_level(LogLevel::trace);
  EXPECT_TRUE(log_enabled(LogLevel::trace));
}

TEST(Logging, OffDisablesEveryMessageLevel) {
  LogLevelGuard guard;
  set_log_level(LogLevel::off);
  EXPECT_FALSE(log_enabled(LogLevel::critical));
  EXPECT_FALSE(log_enabled(LogLevel::trace));
}

TEST(Logging, WritesEnabledMessagesToStderrWithThePrefix) {
  LogLevelGuard guard;
  set_log_level(LogLevel::info);
  ::testing::internal::CaptureStderr();
  log(LogLevel::info, "hello 42");
  log(LogLevel::debug, "not shown");
  const std::string err = ::testing::internal::GetCapturedStderr();
  // "[keel] [info] hello 42" (the level name may be coloured on a terminal).
  EXPECT_NE(err.find("[keel] ["), std::string::npos) << err;
  EXPECT_NE(err.find("info"), std::string::npos) << err;
  EXPECT_NE(err.find("] hello 42"), std::string::npos) << err;
  EXPECT_EQ(err.find("not shown"), std::string::npos) << err;
}

}  // namespace
}  // namespace keel
