// What the tests of keel's command-line programs share: unique temporary files, and running a
// program with its stdout, stderr and exit status captured.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>

namespace keel::test {

// A path under the temporary directory, unique to this process and test, removed at the end.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    static int counter = 0;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "keel_";
    name.append(test->test_suite_name()).append("_").append(test->name()).append("_");
    name.append(std::to_string(::getpid()))
        .append("_")
        .append(std::to_string(counter++))
        .append(suffix);
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised tests: "Suite/Test/0"
    path_ = (std::filesystem::temp_directory_path() / name).string();
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct ToolRun {
  int status = -1;
  std::string out, err;
};

// Runs `program` with `args` (each quoted for the shell), capturing stdout and stderr.
inline ToolRun run_tool(const std::string& program, std::initializer_list<std::string> args) {
  TempFile err(".stderr");
  std::string command = "'" + program + "'";
  for (const auto& arg : args) command.append(" '").append(arg).append("'");
  command.append(" 2>'").append(err.path()).append("'");
  ToolRun run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "popen failed for: " << command;
    return run;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  const int raw = ::pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.err = read_bytes(err.path());
  return run;
}

}  // namespace keel::test
