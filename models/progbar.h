// Progbar: Keras 1's progress bar (spec 10.4), character for character.
//
//   60000/60000 [==============================] - 195s - loss: 0.2598 - acc: 0.9186
//
// verbose 1 redraws the line in place (carriage return, at most every 0.05 s) when the output
// is a terminal, and prints only the final line of each bar when it is not (a log file gets
// one line per epoch); verbose 2 prints "<s>s - loss: ..." once, when the target is reached.
// Values are running means weighted by the number of samples each update adds.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace keel {

class Progbar {
 public:
  Progbar(std::int64_t target, int verbose = 1, std::FILE* out = stdout);
  // Output to a terminal or not is detected from `out`; tests set it explicitly.
  void set_terminal(bool terminal) { terminal_ = terminal; }

  void update(std::int64_t current, const std::vector<std::pair<std::string, double>>& values,
              bool force = false);
  // The line the last update drew (without the carriage return), for tests.
  const std::string& last_line() const { return last_line_; }

 private:
  std::string bar_line(std::int64_t current, double now) const;

  std::int64_t target_;
  int verbose_;
  std::FILE* out_;
  bool terminal_;
  std::int64_t seen_ = 0;
  std::vector<std::string> order_;
  std::vector<std::pair<double, double>> sums_;  // (value * count, count) per name
  std::size_t total_width_ = 0;
  std::chrono::steady_clock::time_point start_;
  double last_update_ = -1e9;
  std::string last_line_;
};

// Keras's number formatting: %.4f when |v| > 1e-3 (v > 1e-3 with `signed_threshold`), else %.4e.
std::string format_log_value(double v, bool signed_threshold = false);

}  // namespace keel
