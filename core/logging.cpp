#include "keel/core/detail/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {
namespace {

constexpr std::array<std::string_view, 7> kNames = {"trace", "debug",    "info", "warn",
                                                    "error", "critical", "off"};

spdlog::level::level_enum to_spdlog(LogLevel l) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(l));
}

std::shared_ptr<spdlog::logger> make_logger() {
  auto logger = spdlog::stderr_color_mt("keel");
  logger->set_pattern("[%n] [%l] %v");
  LogLevel level = LogLevel::warn;
  std::string bad;
  if (const char* env = std::getenv("KEEL_LOG_LEVEL")) {
    try {
      level = parse_log_level(env);
    } catch (const ValueError& e) {
      bad = e.what();
    }
  }
  logger->set_level(to_spdlog(level));
  if (!bad.empty()) logger->warn("{}; using warn", bad);
  return logger;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = make_logger();
  return *l;
}

}  // namespace

LogLevel parse_log_level(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<LogLevel>(i);
  std::string known;
  for (auto n : kNames) known += (known.empty() ? "" : ", ") + std::string(n);
  throw ValueError(fmt::str("KEEL_LOG_LEVEL: '", std::string(name), "' is not one of ", known));
}

void set_log_level(LogLevel level) { logger().set_level(to_spdlog(level)); }

LogLevel log_level() { return static_cast<LogLevel>(static_cast<int>(logger().level())); }

bool log_enabled(LogLevel level) { return logger().should_log(to_spdlog(level)); }

void log(LogLevel level, const std::string& message) { logger().log(to_spdlog(level), message); }

}  // namespace keel
