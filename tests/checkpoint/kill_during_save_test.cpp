// save_checkpoint survives being killed at any moment: keel_save_loop (save_loop.cpp) overwrites
// one checkpoint in an endless loop and is SIGKILLed after a random delay; the file must then load
// and hold one whole save (every weight and the epoch equal to one iteration number, never a mix),
// and it must be the last save the child reported or the one it was finishing.
//
// Saving writes ".<name>.tmp.XXXXXX" next to the target and renames it over the target
// (core/atomic_file.h). A kill before the rename leaves that temporary file behind (nothing can
// remove it): the test checks that such leftovers are the only other files, never replace the
// target, and removes them.
//
// SIGKILL loses no page-cache data, so this checks atomicity against a dying process, not
// durability against power loss (the fsyncs).
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "keel/models/checkpoint.h"

#ifndef KEEL_SAVE_LOOP
#error "KEEL_SAVE_LOOP must name the keel_save_loop program (tests/CMakeLists.txt)"
#endif

extern char** environ;

namespace keel {
namespace {

namespace fs = std::filesystem;

struct Child {
  pid_t pid = -1;
  int out = -1;  // the read end of its stdout
};

Child spawn_save_loop(const std::string& path) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  std::string program = KEEL_SAVE_LOOP, arg = path;
  char* argv[] = {program.data(), arg.data(), nullptr};
  Child child;
  const int rc = ::posix_spawn(&child.pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw std::runtime_error("posix_spawn " + program + " failed: " + std::strerror(rc));
  }
  child.out = fds[0];
  return child;
}

// Reads the child's stdout until `text` has appeared (true) or EOF / the timeout (false).
bool read_until(int fd, std::string& seen, const std::string& text, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (seen.find(text) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// The last "saved N" line in the child's output; 0 (its first save) when there is none.
long last_reported_save(const std::string& out) {
  long last = 0;
  for (std::size_t pos = out.find("saved "); pos != std::string::npos;
       pos = out.find("saved ", pos + 1)) {
    const std::size_t end = out.find('\n', pos);
    if (end == std::string::npos) break;  // a line cut by the kill
    last = std::stol(out.substr(pos + 6, end - pos - 6));
  }
  return last;
}

TEST(KillDuringSave, TheCheckpointAlwaysHoldsOneWholeSave) {
  const fs::path dir = fs::temp_directory_path() / ("keel_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  struct RemoveDir {
    fs::path dir;
    ~RemoveDir() { fs::remove_all(dir); }
  } remove_dir{dir};
  const std::string name = "run.ckpt";
  const std::string path = (dir / name).string();
  const std::string temp_prefix = "." + name + ".tmp.";

  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> delay_us(0, 30000);
  constexpr int kKills = 40;
  int leftovers = 0, complete_leftovers = 0, behind_report = 0, max_save = 0;
  std::set<long> seen_values;
  const auto start = std::chrono::steady_clock::now();

  for (int k = 0; k < kKills; ++k) {
    SCOPED_TRACE("kill " + std::to_string(k));
    Child child = spawn_save_loop(path);
    std::string out;
    const bool ready = read_until(child.out, out, "ready\n", 30000);
    if (ready) std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    read_until(child.out, out, "\x01never\x01", 5000);  // the rest of its output, up to EOF
    ::close(child.out);
    ASSERT_TRUE(ready) << "keel_save_loop did not get ready; its output: " << out;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "keel_save_loop ended by itself (status " << status
        << ") before the kill; output: " << out;

    // The target: one whole save, the last reported or the one being finished.
    const long reported = last_reported_save(out);
    Checkpoint ckpt;
    ASSERT_NO_THROW(ckpt = load_checkpoint(path));
    const auto weights = ckpt.model->get_weights();
    const float value = weights.at(0).to_vector().at(0);
    std::int64_t mixed = 0;
    for (const auto& w : weights)
      for (float v : w.to_vector()) mixed += v != value;
    EXPECT_EQ(mixed, 0) << "weights from different saves (first value " << value << ")";
    EXPECT_EQ(static_cast<float>(ckpt.state.epoch), value)
        << "header and tensors from different saves";
    EXPECT_TRUE(ckpt.state.epoch == reported || ckpt.state.epoch == reported + 1)
        << "the file holds save " << ckpt.state.epoch << ", the child had reported save "
        << reported;
    behind_report += ckpt.state.epoch == reported + 1;
    seen_values.insert(ckpt.state.epoch);
    max_save = std::max(max_save, static_cast<int>(ckpt.state.epoch));

    // Nothing else in the directory but the temporary file of an interrupted save.
    int temps = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string f = e.path().filename().string();
      if (f == name) continue;
      EXPECT_EQ(f.substr(0, temp_prefix.size()), temp_prefix) << "unexpected file " << f;
      EXPECT_EQ(f.size(), temp_prefix.size() + 6) << f;  // mkstemp's XXXXXX
      ++temps;
      ++leftovers;
      try {  // a leftover may be partial, or complete and killed just before its rename
        (void)load_checkpoint(e.path().string());
        ++complete_leftovers;
      } catch (const Error&) {
      }
      fs::remove(e.path());
    }
    EXPECT_LE(temps, 1) << "each kill interrupts at most one save";
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "%d kills in %.1f s: saves reached up to %d (%zu distinct), %d leftover temporary files "
      "(%d of them complete), %d kills landed after the rename but before the report\n",
      kKills, seconds, max_save, seen_values.size(), leftovers, complete_leftovers, behind_report);
  EXPECT_GT(max_save, 0)
      << "no kill landed after the first save of the loop: the delays are too short";
}

}  // namespace
}  // namespace keel
