// Model::fit_generator, evaluate_generator and predict_generator (Keras 1.2.2's), and what they
// share with fit(): the callback run.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/models/model.h"

namespace keel {

Model::CallbackRun::CallbackRun(Model& m,
                                const std::vector<std::shared_ptr<callbacks::Callback>>& user,
                                TrainingParams params)
    : model(m), history(std::make_shared<callbacks::History>()) {
  callbacks.push_back(std::make_shared<callbacks::BaseLogger>());
  callbacks.insert(callbacks.end(), user.begin(), user.end());
  callbacks.push_back(history);
  if (params.verbose) callbacks.push_back(std::make_shared<callbacks::ProgbarLogger>());
  params.metrics = m.metrics_names_;
  for (const auto& name : m.metrics_names_) params.metrics.push_back("val_" + name);
  for (auto& cb : callbacks) {
    cb->set_model(&m);
    cb->set_params(params);
  }
  m.stop_training = false;
  m.active_callbacks_ = callbacks;
}

Model::CallbackRun::~CallbackRun() { model.active_callbacks_.clear(); }

namespace {

// Keras 1's GeneratorEnqueuer: `workers` threads take turns reading `source` (under a lock: a
// source need not be thread-safe) into a queue of at most `capacity` batches. An error of the
// source is handed to the next() that reaches it.
class Prefetcher {
 public:
  Prefetcher(BatchSource& source, int workers, int capacity)
      : source_(source), capacity_(capacity) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  keel::Batch next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    auto item = std::move(queue_.front());
    queue_.pop_front();
    cv_.notify_all();
    if (item.second) std::rethrow_exception(item.second);
    return std::move(item.first);
  }

 private:
  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] {
        return stop_ || (!failed_ && queue_.size() < static_cast<std::size_t>(capacity_));
      });
      if (stop_) return;
      std::pair<keel::Batch, std::exception_ptr> item;
      {
        std::lock_guard read(read_mu_);
        lock.unlock();
        try {
          item.first = source_.next();
        } catch (...) {
          item.second = std::current_exception();
        }
        lock.lock();
      }
      failed_ = failed_ || item.second != nullptr;
      queue_.push_back(std::move(item));
      cv_.notify_all();
    }
  }

  BatchSource& source_;
  int capacity_;
  std::mutex mu_, read_mu_;
  std::condition_variable cv_;
  std::deque<std::pair<keel::Batch, std::exception_ptr>> queue_;
  bool stop_ = false, failed_ = false;
  std::vector<std::thread> threads_;
};

// The source as fit_generator reads it: through a Prefetcher, unless it reads ahead itself.
class Reader {
 public:
  Reader(BatchSource& source, int workers, int capacity) : source_(source) {
    if (!source.reads_ahead()) queue_.emplace(source, workers, capacity);
  }
  keel::Batch next() { return queue_ ? queue_->next() : source_.next(); }

 private:
  BatchSource& source_;
  std::optional<Prefetcher> queue_;
};

void check_generator_options(const std::string& who, int max_q_size, int nb_worker) {
  if (max_q_size < 1)
    throw ValueError(fmt::str(who, "max_q_size is ", max_q_size, ", expected >= 1"));
  if (nb_worker < 1) throw ValueError(fmt::str(who, "nb_worker is ", nb_worker, ", expected >= 1"));
}

std::int64_t batch_rows(const keel::Batch& b, const std::string& who, bool need_y) {
  if (!b.x.defined() || b.x.shape().rank() == 0)
    throw ValueError(fmt::str(who, "the source gave a batch without x"));
  if (need_y && !b.y.defined())
    throw ValueError(fmt::str(who, "the source gave a batch without y (targets are needed)"));
  const std::int64_t n = b.x.shape()[0];
  if (need_y && (b.y.shape().rank() == 0 || b.y.shape()[0] != n))
    throw ValueError(
        fmt::str(who, "the source gave x of ", n, " samples and y of shape ", b.y.shape().str()));
  return n;
}

}  // namespace

callbacks::History Model::fit_generator(BatchSource& source, const FitGeneratorOptions& o) {
  const std::string who = "Model '" + name_ + "': fit_generator: ";
  require_compiled("fit_generator");
  if (o.samples_per_epoch < 1)
    throw ValueError(
        fmt::str(who, "samples_per_epoch is ", o.samples_per_epoch, ", expected >= 1"));
  if (o.nb_epoch < 0 || o.initial_epoch < 0)
    throw ValueError(fmt::str(who, "nb_epoch and initial_epoch must be >= 0"));
  check_generator_options(who, o.max_q_size, o.nb_worker);
  if (o.validation_data && o.validation_generator)
    throw ValueError(fmt::str(who,
                              "validation_data and validation_generator are both set, "
                              "expected one"));
  if (o.validation_generator && o.nb_val_samples < 1)
    throw ValueError(fmt::str(who, "nb_val_samples is ", o.nb_val_samples,
                              ", expected >= 1 with a validation_generator"));
  if (o.validation_data)
    check_data(o.validation_data->x, &o.validation_data->y, "fit_generator (validation_data)");
  const bool do_validation = o.validation_data || o.validation_generator;

  const CallbackRun run(*this, o.callbacks,
                        {0, o.nb_epoch, o.samples_per_epoch, o.verbose, do_validation, {}});
  Reader queue(source, o.nb_worker, o.max_q_size);
  Logs train_logs;
  for (auto& cb : run.callbacks) cb->on_train_begin(train_logs);
  for (int epoch = o.initial_epoch; epoch < o.nb_epoch && !stop_training; ++epoch) {
    Logs epoch_logs;
    for (auto& cb : run.callbacks) cb->on_epoch_begin(epoch, epoch_logs);
    std::int64_t seen = 0;
    for (int batch_index = 0; seen < o.samples_per_epoch && !stop_training; ++batch_index) {
      const keel::Batch b = queue.next();
      const std::int64_t n = batch_rows(b, who, true);
      Tensor sw = b.sample_weight;
      if (!sw.defined() && !o.class_weight.empty())
        sw = losses::class_weights_to_sample_weights(b.y, o.class_weight);
      const std::vector<Tensor> xs{b.x}, ys{b.y};
      check_data(xs, &ys, "fit_generator");
      Logs batch_logs{{"batch", batch_index}, {"size", static_cast<double>(n)}};
      for (auto& cb : run.callbacks) cb->on_batch_begin(batch_index, batch_logs);
      const auto values = run_batch(xs, ys, sw, true);
      for (std::size_t i = 0; i < values.size(); ++i) batch_logs[metrics_names_[i]] = values[i];
      for (auto& cb : run.callbacks) cb->on_batch_end(batch_index, batch_logs);
      seen += n;
    }
    if (do_validation && !stop_training) {
      const std::vector<double> val =
          o.validation_generator ? evaluate_generator(*o.validation_generator, o.nb_val_samples,
                                                      {o.max_q_size, o.nb_worker})
                                 : test_loop(o.validation_data->x, o.validation_data->y,
                                             o.validation_data->sample_weight, 32, 0);
      for (std::size_t i = 0; i < val.size(); ++i) epoch_logs["val_" + metrics_names_[i]] = val[i];
    }
    for (auto& cb : run.callbacks) cb->on_epoch_end(epoch, epoch_logs);
  }
  for (auto& cb : run.callbacks) cb->on_train_end(train_logs);
  return *run.history;
}

std::vector<double> Model::evaluate_generator(BatchSource& source, std::int64_t val_samples,
                                              const GeneratorOptions& o) {
  const std::string who = "Model '" + name_ + "': evaluate_generator: ";
  require_compiled("evaluate_generator");
  if (val_samples < 1)
    throw ValueError(fmt::str(who, "val_samples is ", val_samples, ", expected >= 1"));
  check_generator_options(who, o.max_q_size, o.nb_worker);
  Reader queue(source, o.nb_worker, o.max_q_size);
  std::vector<double> sums;
  std::int64_t seen = 0;
  while (seen < val_samples) {
    const keel::Batch b = queue.next();
    const std::int64_t n = batch_rows(b, who, true);
    const std::vector<double> values = test_on_batch({b.x}, {b.y}, b.sample_weight);
    sums.resize(values.size(), 0.0);
    for (std::size_t i = 0; i < values.size(); ++i) sums[i] += values[i] * double(n);
    seen += n;
  }
  for (double& v : sums) v /= double(seen);
  return sums;
}

Tensor Model::predict_generator(BatchSource& source, std::int64_t val_samples,
                                const GeneratorOptions& o) {
  const std::string who = "Model '" + name_ + "': predict_generator: ";
  if (val_samples < 1)
    throw ValueError(fmt::str(who, "val_samples is ", val_samples, ", expected >= 1"));
  check_generator_options(who, o.max_q_size, o.nb_worker);
  Reader queue(source, o.nb_worker, o.max_q_size);
  std::vector<Tensor> outs;
  std::int64_t seen = 0;
  while (seen < val_samples) {
    const keel::Batch b = queue.next();
    seen += batch_rows(b, who, false);
    outs.push_back(predict_on_batch(b.x).to_plain());
  }
  const Shape& one = outs[0].shape();
  Tensor all = Tensor::empty(one.with_dim(0, seen));
  std::int64_t offset = 0;
  for (const Tensor& t : outs) {
    std::copy(t.data(), t.data() + t.numel(), all.data() + offset);
    offset += t.numel();
  }
  return all;
}

}  // namespace keel
