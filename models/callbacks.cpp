#include "keel/models/callbacks.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <regex>

#include "keel/core/atomic_file.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/checkpoint.h"
#include "keel/models/model.h"
#include "keel/models/plot.h"
#include "keel/models/progbar.h"

namespace keel::callbacks {

Model& Callback::model() const {
  if (!model_) throw ValueError("Callback: not attached to a model (it is set by fit())");
  return *model_;
}

// --- History, BaseLogger -----------------------------------------------------------------------

void History::on_train_begin(Logs&) {}

void History::on_epoch_end(int e, Logs& logs) {
  epoch.push_back(e);
  for (const auto& [k, v] : logs) history[k].push_back(v);
}

void BaseLogger::on_epoch_begin(int, Logs&) {
  seen_ = 0;
  totals_.clear();
}

void BaseLogger::on_batch_end(int, Logs& logs) {
  const auto size = static_cast<std::int64_t>(logs.count("size") ? logs.at("size") : 0);
  seen_ += size;
  for (const auto& [k, v] : logs)
    if (k != "batch" && k != "size") totals_[k] += v * static_cast<double>(size);
}

void BaseLogger::on_epoch_end(int, Logs& logs) {
  for (const auto& name : params().metrics)
    if (totals_.count(name))
      logs[name] = totals_[name] / static_cast<double>(std::max<std::int64_t>(seen_, 1));
}

// --- ProgbarLogger -----------------------------------------------------------------------------

struct ProgbarLogger::State {
  std::optional<Progbar> bar;
  std::int64_t seen = 0;
};

void ProgbarLogger::on_train_begin(Logs&) { state_ = std::make_shared<State>(); }

void ProgbarLogger::on_epoch_begin(int epoch, Logs&) {
  if (!params().verbose) return;
  std::printf("Epoch %d/%d\n", epoch + 1, params().nb_epoch);
  std::fflush(stdout);
  state_->bar.emplace(params().nb_sample, params().verbose);
  state_->seen = 0;
}

void ProgbarLogger::on_batch_end(int, Logs& logs) {
  state_->seen += static_cast<std::int64_t>(logs.count("size") ? logs.at("size") : 0);
  std::vector<std::pair<std::string, double>> values;
  for (const auto& k : params().metrics)
    if (logs.count(k)) values.emplace_back(k, logs.at(k));
  if (params().verbose && state_->seen < params().nb_sample)
    state_->bar->update(state_->seen, values);
}

void ProgbarLogger::on_epoch_end(int, Logs& logs) {
  std::vector<std::pair<std::string, double>> values;
  for (const auto& k : params().metrics)
    if (logs.count(k)) values.emplace_back(k, logs.at(k));
  if (params().verbose) state_->bar->update(state_->seen, values, true);
}

// --- monitoring helpers ------------------------------------------------------------------------

kwargs::Rule<std::string> monitor_mode_rule() { return kwargs::one_of({"auto", "min", "max"}); }

namespace {

// Whether `monitor` improves upwards; `options` are validated first, naming `who`.
template <class O>
bool maximize_for(const O& options, const char* who) {
  kwargs::validate(options, fmt::owner(who));
  if (options.mode == "min") return false;
  if (options.mode == "max") return true;
  return options.monitor.find("acc") != std::string::npos ||
         options.monitor.rfind("fmeasure", 0) == 0;
}

// A saved number (JSON has no infinity: an unset best is written as null).
double number_or(const Config& s, const char* key, double fallback) {
  return s.contains(key) && s.at(key).is_number() ? s.at(key).get<double>() : fallback;
}

double worst(bool maximize) {
  return maximize ? -std::numeric_limits<double>::infinity()
                  : std::numeric_limits<double>::infinity();
}

}  // namespace

// --- ModelCheckpoint ---------------------------------------------------------------------------

std::string format_filepath(const std::string& pattern, int epoch, const Logs& logs) {
  static const std::regex field(
      R"(\{([A-Za-z_][A-Za-z0-9_]*)(?::([0-9]*)(?:\.([0-9]+))?([dfe])?)?\})");
  std::string out;
  auto begin = pattern.cbegin();
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), field), end; it != end; ++it) {
    const auto& m = *it;
    out.append(begin, m[0].first);
    begin = m[0].second;
    const std::string name = m[1];
    double value;
    if (name == "epoch") {
      value = epoch;
    } else if (logs.count(name)) {
      value = logs.at(name);
    } else {
      throw ValueError(fmt::str("ModelCheckpoint: filepath '", pattern, "' names '", name,
                                "', which is not 'epoch' nor one of the logs"));
    }
    const std::string width = m[2], precision = m[3], type = m[4];
    char buf[64];
    if (type == "d" || (type.empty() && name == "epoch" && precision.empty())) {
      const std::string fmt = "%" + width + "lld";
      std::snprintf(buf, sizeof buf, fmt.c_str(), static_cast<long long>(value));
    } else {
      const std::string fmt =
          "%" + width + (precision.empty() ? "" : "." + precision) + (type.empty() ? "g" : type);
      std::snprintf(buf, sizeof buf, fmt.c_str(), value);
    }
    out += buf;
  }
  out.append(begin, pattern.cend());
  return out;
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, const ModelCheckpointOptions& options)
    : filepath_(std::move(filepath)),
      options_(options),
      maximize_(maximize_for(options, "ModelCheckpoint")),
      best_(worst(maximize_)) {}

void ModelCheckpoint::on_epoch_end(int epoch, Logs& logs) {
  if (++since_last_save_ < options_.period) return;
  since_last_save_ = 0;
  const std::string path = format_filepath(filepath_, epoch, logs);
  if (options_.save_best_only) {
    auto it = logs.find(options_.monitor);
    if (it == logs.end()) {
      std::fprintf(stderr,
                   "ModelCheckpoint: can save best model only with %s available, skipping.\n",
                   options_.monitor.c_str());
      return;
    }
    const double current = it->second;
    const bool better = maximize_ ? current > best_ : current < best_;
    if (!better) {
      if (options_.verbose)
        std::printf("Epoch %05d: %s did not improve\n", epoch, options_.monitor.c_str());
      return;
    }
    if (options_.verbose)
      std::printf("Epoch %05d: %s improved from %0.5f to %0.5f, saving model to %s\n", epoch,
                  options_.monitor.c_str(), best_, current, path.c_str());
    best_ = current;
  } else if (options_.verbose) {
    std::printf("Epoch %05d: saving model to %s\n", epoch, path.c_str());
  }
  if (options_.save_weights_only) {
    model().save_weights(path);
  } else {
    // epoch is 0-based: epoch + 1 are done. This callback's own state counts this save.
    save_checkpoint(path, model(),
                    {.epoch = epoch + 1, .callbacks = collect_states(model().active_callbacks())});
  }
}

Config ModelCheckpoint::state() const {
  return {{"best", best_}, {"since_last_save", since_last_save_}};
}

void ModelCheckpoint::set_state(const Config& s) {
  best_ = number_or(s, "best", worst(maximize_));
  since_last_save_ = static_cast<int>(number_or(s, "since_last_save", 0));
}

PlotLogger::PlotLogger(std::string filename, std::string title)
    : filename_(std::move(filename)), title_(std::move(title)) {}

void PlotLogger::on_epoch_end(int, Logs& logs) {
  for (const auto& [k, v] : logs) {
    auto& series = history_[k];
    // A log that appears late (or not at every epoch) is missing before: NaN is not drawn.
    series.resize(static_cast<std::size_t>(epochs_), std::numeric_limits<double>::quiet_NaN());
    series.push_back(v);
  }
  ++epochs_;
  for (auto& [k, series] : history_)
    series.resize(static_cast<std::size_t>(epochs_), std::numeric_limits<double>::quiet_NaN());
  write_file_atomically(filename_, history_svg(history_, title_.empty() ? model().name() : title_));
}

Config PlotLogger::state() const {
  Config curves = Config::object();
  for (const auto& [k, series] : history_) {
    Config values = Config::array();
    for (double v : series) values.push_back(std::isfinite(v) ? Config(v) : Config());
    curves[k] = std::move(values);
  }
  return {{"epochs", epochs_}, {"history", std::move(curves)}};
}

void PlotLogger::set_state(const Config& s) {
  history_.clear();
  epochs_ = s.contains("epochs") ? s.at("epochs").get<int>() : 0;
  if (!s.contains("history")) return;
  for (const auto& [k, values] : s.at("history").items())
    for (const auto& v : values)
      history_[k].push_back(v.is_number() ? v.get<double>()
                                          : std::numeric_limits<double>::quiet_NaN());
}

Config collect_states(const std::vector<std::shared_ptr<Callback>>& callbacks) {
  Config out = Config::array();
  for (const auto& cb : callbacks) {
    Config s = cb->state();
    if (!s.empty()) out.push_back({{"class", cb->class_name()}, {"state", std::move(s)}});
  }
  return out;
}

void restore_states(const std::vector<std::shared_ptr<Callback>>& callbacks, const Config& saved) {
  if (!saved.is_array()) return;  // an older or empty record: nothing to restore
  std::map<std::string, std::vector<const Config*>> by_class;
  for (const auto& entry : saved)
    if (entry.is_object() && entry.contains("class") && entry.contains("state"))
      by_class[entry.at("class").get<std::string>()].push_back(&entry.at("state"));
  std::map<std::string, std::size_t> rank;
  for (const auto& cb : callbacks) {
    auto it = by_class.find(cb->class_name());
    if (it == by_class.end()) continue;
    const std::size_t k = rank[cb->class_name()]++;
    if (k < it->second.size()) cb->set_state(*it->second[k]);
  }
}

// --- EarlyStopping -----------------------------------------------------------------------------

EarlyStopping::EarlyStopping(const EarlyStoppingOptions& options)
    : options_(options),
      maximize_(maximize_for(options, "EarlyStopping")),
      best_(worst(maximize_)) {}

void EarlyStopping::on_train_begin(Logs&) {
  wait_ = 0;
  best_ = worst(maximize_);
  stopped_epoch_ = 0;
}

void EarlyStopping::on_epoch_end(int epoch, Logs& logs) {
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    std::fprintf(stderr, "EarlyStopping: early stopping requires %s available!\n",
                 options_.monitor.c_str());
    return;
  }
  const double current = it->second;
  const double delta = std::abs(options_.min_delta);
  const bool improved = maximize_ ? current - delta > best_ : current + delta < best_;
  if (improved) {
    best_ = current;
    wait_ = 0;
    return;
  }
  // Keras 1's order: check, then count — it stops at the (patience + 1)-th bad epoch.
  if (wait_ >= options_.patience) {
    stopped_epoch_ = epoch;
    model().stop_training = true;
  }
  ++wait_;
}

void EarlyStopping::on_train_end(Logs&) {
  if (stopped_epoch_ > 0 && options_.verbose)
    std::printf("Epoch %05d: early stopping\n", stopped_epoch_);
}

Config EarlyStopping::state() const { return {{"best", best_}, {"wait", wait_}}; }

void EarlyStopping::set_state(const Config& s) {
  best_ = number_or(s, "best", worst(maximize_));
  wait_ = static_cast<int>(number_or(s, "wait", 0));
}

// --- CSVLogger ---------------------------------------------------------------------------------

CSVLogger::CSVLogger(std::string filename, char separator, bool append)
    : filename_(std::move(filename)), separator_(separator), append_(append) {}

void CSVLogger::on_train_begin(Logs&) {
  header_written_ = false;
  if (append_) {
    std::ifstream in(filename_);
    header_written_ = in && in.peek() != std::ifstream::traits_type::eof();
  } else {
    std::ofstream out(filename_, std::ios::trunc);
    if (!out) throw IOError(fmt::str("CSVLogger: ", filename_, " cannot be written"));
  }
}

void CSVLogger::on_epoch_end(int epoch, Logs& logs) {
  std::ofstream out(filename_, std::ios::app);
  if (!out) throw IOError(fmt::str("CSVLogger: ", filename_, " cannot be written"));
  if (!header_written_) {
    keys_.clear();
    for (const auto& [k, v] : logs) keys_.push_back(k);
    out << "epoch";
    for (const auto& k : keys_) out << separator_ << k;
    out << '\n';
    header_written_ = true;
  }
  if (keys_.empty())
    for (const auto& [k, v] : logs) keys_.push_back(k);
  out << epoch;
  for (const auto& k : keys_) {
    out << separator_;
    if (logs.count(k)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", logs.at(k));
      out << buf;
    }
  }
  out << '\n';
  out.flush();
}

// --- learning rate -----------------------------------------------------------------------------

LearningRateScheduler::LearningRateScheduler(std::function<double(int)> schedule)
    : schedule_(std::move(schedule)) {
  if (!schedule_) throw ValueError("LearningRateScheduler: schedule is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch, Logs&) {
  const double lr = schedule_(epoch);
  if (!std::isfinite(lr))
    throw ValueError(fmt::str("LearningRateScheduler: schedule(", epoch,
                              ") returned a non-finite learning rate"));
  model().optimizer().set_lr(static_cast<float>(lr));
}

ReduceLROnPlateau::ReduceLROnPlateau(const ReduceLROnPlateauOptions& options)
    : options_(options),
      maximize_(maximize_for(options, "ReduceLROnPlateau")),
      best_(worst(maximize_)) {}

void ReduceLROnPlateau::on_train_begin(Logs&) {
  best_ = worst(maximize_);
  wait_ = 0;
  cooldown_counter_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int epoch, Logs& logs) {
  logs["lr"] = model().optimizer().lr();
  auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    std::fprintf(stderr, "ReduceLROnPlateau: requires %s available!\n", options_.monitor.c_str());
    return;
  }
  const double current = it->second;
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  const bool improved =
      maximize_ ? current > best_ + options_.epsilon : current < best_ - options_.epsilon;
  if (improved) {
    best_ = current;
    wait_ = 0;
  } else if (cooldown_counter_ <= 0) {
    if (wait_ >= options_.patience) {
      const double lr = model().optimizer().lr();
      if (lr > options_.min_lr * (1 + 1e-4)) {
        const double new_lr = std::max(lr * options_.factor, options_.min_lr);
        model().optimizer().set_lr(static_cast<float>(new_lr));
        if (options_.verbose)
          std::printf("\nEpoch %05d: reducing learning rate to %s.\n", epoch,
                      std::to_string(new_lr).c_str());
        cooldown_counter_ = options_.cooldown;
        wait_ = 0;
      }
    }
    ++wait_;
  }
}

Config ReduceLROnPlateau::state() const {
  return {{"best", best_}, {"wait", wait_}, {"cooldown_counter", cooldown_counter_}};
}

void ReduceLROnPlateau::set_state(const Config& s) {
  best_ = number_or(s, "best", worst(maximize_));
  wait_ = static_cast<int>(number_or(s, "wait", 0));
  cooldown_counter_ = static_cast<int>(number_or(s, "cooldown_counter", 0));
}

void TerminateOnNaN::on_batch_end(int batch, Logs& logs) {
  auto it = logs.find("loss");
  if (it != logs.end() && !std::isfinite(it->second)) {
    std::printf("Batch %d: Invalid loss, terminating training\n", batch);
    model().stop_training = true;
  }
}

}  // namespace keel::callbacks
