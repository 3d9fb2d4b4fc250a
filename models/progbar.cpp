#include "keel/models/progbar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace keel {

std::string format_log_value(double v, bool signed_threshold) {
  char buf[64];
  const bool fixed = signed_threshold ? v > 1e-3 : std::abs(v) > 1e-3;
  std::snprintf(buf, sizeof buf, fixed ? "%.4f" : "%.4e", v);
  return buf;
}

Progbar::Progbar(std::int64_t target, int verbose, std::FILE* out)
    : target_(target),
      verbose_(verbose),
      out_(out),
      terminal_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()) {}

std::string Progbar::bar_line(std::int64_t current, double now) const {
  const int digits = static_cast<int>(std::floor(std::log10(static_cast<double>(target_)))) + 1;
  char counter[64];
  std::snprintf(counter, sizeof counter, "%*lld/%*lld [", digits, static_cast<long long>(current),
                digits, static_cast<long long>(target_));
  std::string line = counter;
  constexpr int kWidth = 30;
  const int filled =
      static_cast<int>(kWidth * static_cast<double>(current) / static_cast<double>(target_));
  if (filled > 0) {
    line.append(static_cast<std::size_t>(filled - 1), '=');
    line += current < target_ ? '>' : '=';
  }
  line.append(static_cast<std::size_t>(std::max(0, kWidth - filled)), '.');
  line += ']';
  char info[64];
  if (current < target_) {
    const double per_unit = current ? now / static_cast<double>(current) : 0;
    std::snprintf(info, sizeof info, " - ETA: %ds",
                  static_cast<int>(per_unit * static_cast<double>(target_ - current)));
  } else {
    std::snprintf(info, sizeof info, " - %ds", static_cast<int>(now));
  }
  line += info;
  for (std::size_t i = 0; i < order_.size(); ++i)
    line += " - " + order_[i] + ": " +
            format_log_value(sums_[i].first / std::max(1.0, sums_[i].second));
  return line;
}

void Progbar::update(std::int64_t current,
                     const std::vector<std::pair<std::string, double>>& values, bool force) {
  const double added = static_cast<double>(current - seen_);
  for (const auto& [name, v] : values) {
    auto it = std::find(order_.begin(), order_.end(), name);
    if (it == order_.end()) {
      order_.push_back(name);
      sums_.emplace_back(v * added, added);
    } else {
      auto& s = sums_[static_cast<std::size_t>(it - order_.begin())];
      s.first += v * added;
      s.second += added;
    }
  }
  seen_ = current;
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();

  if (verbose_ == 1) {
    if (!force && now - last_update_ < 0.05) return;
    if (!terminal_ && current < target_) return;  // a log file gets the final line only
    last_update_ = now;
    std::string line = bar_line(current, now);
    last_line_ = line;
    if (terminal_) {
      if (line.size() < total_width_) line.append(total_width_ - line.size(), ' ');
      std::fputc('\r', out_);
    }
    total_width_ = last_line_.size();
    std::fputs(line.c_str(), out_);
    if (current >= target_) std::fputc('\n', out_);
    std::fflush(out_);
  } else if (verbose_ == 2 && current >= target_) {
    char head[32];
    std::snprintf(head, sizeof head, "%ds", static_cast<int>(now));
    std::string line = head;
    for (std::size_t i = 0; i < order_.size(); ++i)
      line += " - " + order_[i] + ": " +
              format_log_value(sums_[i].first / std::max(1.0, sums_[i].second), true);
    last_line_ = line;
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
  }
}

}  // namespace keel
