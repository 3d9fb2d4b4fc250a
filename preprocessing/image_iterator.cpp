#include "keel/preprocessing/image_iterator.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/random.h"
#include "keel/data/image_file.h"
#include "keel/preprocessing/image_data_generator.h"

namespace keel::preprocessing {

namespace {

// The augmentation stream's key: unlike epoch_order's (the seed itself), so that the two never
// share draws.
constexpr std::uint64_t kAugmentKey = 0x9E3779B97F4A7C15ull;
// Philox blocks reserved per sample: far more than the dozen draws an augmentation takes.
constexpr std::uint64_t kBlocksPerSample = 1024;

std::uint64_t resolve_seed(const std::optional<std::uint64_t>& seed) {
  return seed ? *seed : global_rng().uniform_int(std::uint64_t{1} << 62);
}

}  // namespace

// --- ImageIterator -----------------------------------------------------------------------------

ImageIterator::ImageIterator(std::shared_ptr<const ImageDataGenerator> generator, std::int64_t n,
                             const Common& c)
    : generator_(std::move(generator)),
      n_(n),
      batch_size_(c.batch_size),
      shuffle_(c.shuffle),
      seed_(resolve_seed(c.seed)),
      save_to_dir_(c.save_to_dir),
      save_prefix_(c.save_prefix),
      save_format_(c.save_format),
      workers_(c.workers),
      max_queue_(c.max_queue) {
  if (n_ == 0) throw ValueError("ImageIterator: there are no samples to iterate over");
  if (!save_to_dir_.empty() && !std::filesystem::is_directory(save_to_dir_))
    throw IOError(fmt::str(save_to_dir_, ": save_to_dir is not a folder"));
}

ImageIterator::~ImageIterator() { stop_workers(); }

std::shared_ptr<const std::vector<std::int64_t>> ImageIterator::order_of(std::int64_t epoch) const {
  std::lock_guard lock(order_mu_);
  if (order_ && (order_epoch_ == epoch || !shuffle_)) return order_;
  std::vector<std::int64_t> order;
  if (shuffle_) {
    order = epoch_order(n_, seed_, epoch);
  } else {
    order.resize(static_cast<std::size_t>(n_));
    for (std::int64_t i = 0; i < n_; ++i) order[static_cast<std::size_t>(i)] = i;
  }
  order_ = std::make_shared<const std::vector<std::int64_t>>(std::move(order));
  order_epoch_ = epoch;
  return order_;
}

Batch ImageIterator::make_batch(std::int64_t b) const {
  const std::int64_t per_epoch = batches_per_epoch();
  const std::int64_t epoch = b / per_epoch, k = b % per_epoch;
  const std::shared_ptr<const std::vector<std::int64_t>> order_ptr = order_of(epoch);
  const std::vector<std::int64_t>& order = *order_ptr;
  const std::int64_t begin = k * batch_size_, end = std::min(n_, begin + batch_size_);
  std::vector<std::int64_t> indices;
  std::vector<Tensor> images;
  for (std::int64_t pos = begin; pos < end; ++pos) {
    const std::int64_t index = order[static_cast<std::size_t>(pos)];
    std::optional<Tensor> raw = load(index);
    if (!raw) continue;
    Philox rng(seed_ ^ kAugmentKey,
               static_cast<std::uint64_t>(epoch * n_ + pos) * kBlocksPerSample);
    images.push_back(generator_->standardize(generator_->random_transform(*raw, rng)));
    indices.push_back(index);
    if (!save_to_dir_.empty()) {
      const std::uint64_t hash = rng.uniform_int(10000);
      const std::string name = fmt::str(save_prefix_, "_", index, "_", hash, ".",
                                        save_format_ == "jpeg" ? "jpg" : "png");
      save_image((std::filesystem::path(save_to_dir_) / name).string(), images.back(),
                 std::string(to_string(generator_->dim_ordering())), /*scale=*/true);
    }
  }
  Batch batch;
  if (images.empty()) return batch;  // every image of the batch was skipped
  const Shape& image_shape = images[0].shape();
  std::vector<std::int64_t> dims{static_cast<std::int64_t>(images.size())};
  for (int a = 0; a < image_shape.rank(); ++a) dims.push_back(image_shape[a]);
  batch.x = Tensor::empty(Shape(dims));
  const std::int64_t per_image = images[0].numel();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Tensor plain = images[i].to_plain();
    std::memcpy(batch.x.data() + static_cast<std::int64_t>(i) * per_image, plain.data(),
                static_cast<std::size_t>(per_image) * sizeof(float));
  }
  batch.y = labels(indices);
  return batch;
}

void ImageIterator::start_workers() {
  if (!threads_.empty()) return;
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { work(); });
}

void ImageIterator::stop_workers() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  stop_ = false;
}

void ImageIterator::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || claim_ < next_ + max_queue_; });
    if (stop_) return;
    const std::int64_t b = claim_++;
    const std::uint64_t generation = generation_;
    lock.unlock();
    std::pair<Batch, std::exception_ptr> result;
    try {
      result.first = make_batch(b);
    } catch (...) {
      result.second = std::current_exception();
    }
    lock.lock();
    if (generation == generation_) ready_.emplace(b, std::move(result));
    cv_.notify_all();
  }
}

Batch ImageIterator::next() {
  std::unique_lock lock(mu_);
  start_workers();
  for (;;) {
    cv_.wait(lock, [&] { return ready_.count(next_) > 0; });
    auto node = ready_.extract(next_);
    ++next_;
    cv_.notify_all();  // room in the queue
    if (node.mapped().second) std::rethrow_exception(node.mapped().second);
    if (node.mapped().first.x.defined()) return std::move(node.mapped().first);
    // A batch whose every image was skipped: hand out the next one.
  }
}

std::int64_t ImageIterator::batches_seen() const {
  std::lock_guard lock(mu_);
  return next_;
}

void ImageIterator::seek(std::int64_t b) {
  if (b < 0) throw ValueError(fmt::str("ImageIterator: seek to batch ", b, ", expected >= 0"));
  std::lock_guard lock(mu_);
  ++generation_;
  ready_.clear();
  next_ = claim_ = b;
  cv_.notify_all();
}

std::int64_t ImageIterator::skipped() const {
  std::lock_guard lock(mu_);
  return static_cast<std::int64_t>(skipped_.size());
}

void ImageIterator::count_skipped(std::int64_t index) const {
  std::lock_guard lock(mu_);
  skipped_.insert(index);
}

// --- ArrayIterator -----------------------------------------------------------------------------

namespace {

ImageIterator::Common common_of(const auto& o) {
  return {o.batch_size,  o.shuffle,     o.seed,    o.save_to_dir,
          o.save_prefix, o.save_format, o.workers, o.max_queue};
}

}  // namespace

ArrayIterator::ArrayIterator(std::shared_ptr<const ImageDataGenerator> generator, Tensor x,
                             Tensor y, const FlowOptions& o)
    : ImageIterator(std::move(generator), x.defined() && x.shape().rank() > 0 ? x.shape()[0] : 0,
                    common_of(o)),
      x_(x.to_plain()),
      y_(y.defined() ? y.to_plain() : Tensor()) {
  if (x_.shape().rank() != 4)
    throw ShapeError(fmt::str("flow: x has shape ", x_.shape().str(),
                              ", expected rank 4 (samples, image axes)"));
  if (y_.defined() && (y_.shape().rank() == 0 || y_.shape()[0] != x_.shape()[0]))
    throw ValueError(fmt::str("flow: x has ", x_.shape()[0], " samples, y has shape ",
                              y_.shape().str(), ", expected the same number"));
}

std::optional<Tensor> ArrayIterator::load(std::int64_t index) const {
  const std::vector<std::int64_t> one{index};
  return take_rows(x_, one).reshape(x_.shape().drop_front());
}

Tensor ArrayIterator::labels(const std::vector<std::int64_t>& indices) const {
  return y_.defined() ? take_rows(y_, indices) : Tensor();
}

// --- DirectoryIterator -------------------------------------------------------------------------

DirectoryIterator::Scan DirectoryIterator::scan(const std::string& directory,
                                                const DirectoryOptions& o) {
  namespace fs = std::filesystem;
  kwargs::validate(o, "flow_from_directory: ");
  std::error_code ec;
  if (!fs::is_directory(directory, ec))
    throw IOError(fmt::str(directory,
                           ": not a folder (flow_from_directory expects one subfolder "
                           "per class)"));
  Scan s;
  s.classes = o.classes;
  if (s.classes.empty()) {
    for (const auto& e : fs::directory_iterator(directory, ec))
      if (e.is_directory(ec)) s.classes.push_back(e.path().filename().string());
    std::sort(s.classes.begin(), s.classes.end());
  }
  const auto options = o.follow_links ? fs::directory_options::follow_directory_symlink
                                      : fs::directory_options::none;
  for (std::size_t c = 0; c < s.classes.size(); ++c) {
    const fs::path sub = fs::path(directory) / s.classes[c];
    if (!fs::is_directory(sub, ec))
      throw IOError(fmt::str(sub.string(), ": class folder '", s.classes[c], "' not found"));
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(sub, options, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw IOError(fmt::str(sub.string(), ": cannot be listed (", ec.message(), ")"));
      if (!it->is_regular_file(ec)) continue;
      std::string ext = it->path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (ext == ".png" || ext == ".jpg" || ext == ".jpeg")
        found.push_back(fs::relative(it->path(), directory).string());
    }
    std::sort(found.begin(), found.end());
    for (auto& f : found) {
      s.files.push_back(std::move(f));
      s.labels.push_back(static_cast<int>(c));
    }
  }
  if (o.verbose)
    std::printf("Found %zu images belonging to %zu classes.\n", s.files.size(), s.classes.size());
  if (s.files.empty())
    throw ValueError(fmt::str("flow_from_directory: ", directory,
                              ": no .png, .jpg or .jpeg "
                              "images in the class folders (",
                              fmt::list(s.classes), ")"));
  return s;
}

DirectoryIterator::DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator,
                                     std::string directory, const DirectoryOptions& o)
    : DirectoryIterator(generator, directory, o, scan(directory, o)) {}

DirectoryIterator::DirectoryIterator(std::shared_ptr<const ImageDataGenerator> generator,
                                     std::string directory, const DirectoryOptions& o, Scan found)
    : ImageIterator(std::move(generator), static_cast<std::int64_t>(found.files.size()),
                    common_of(o)),
      directory_(std::move(directory)),
      o_(o),
      classes_(std::move(found.classes)),
      files_(std::move(found.files)),
      labels_(std::move(found.labels)) {}

std::map<std::string, int> DirectoryIterator::class_indices() const {
  std::map<std::string, int> out;
  for (std::size_t i = 0; i < classes_.size(); ++i) out[classes_[i]] = static_cast<int>(i);
  return out;
}

std::optional<Tensor> DirectoryIterator::load(std::int64_t index) const {
  const std::string path =
      (std::filesystem::path(directory_) / files_[static_cast<std::size_t>(index)]).string();
  try {
    return load_image(path, {.grayscale = o_.color_mode == "grayscale",
                             .target_size = o_.target_size,
                             .dim_ordering = std::string(to_string(generator_->dim_ordering()))});
  } catch (const IOError&) {
    if (!o_.skip_corrupt) throw;
    count_skipped(index);
    return std::nullopt;
  }
}

Tensor DirectoryIterator::labels(const std::vector<std::int64_t>& indices) const {
  const auto n = static_cast<std::int64_t>(indices.size());
  if (o_.class_mode.empty()) return Tensor();
  if (o_.class_mode == "categorical") {
    const auto c = static_cast<std::int64_t>(classes_.size());
    Tensor y = Tensor::zeros(Shape{n, c});
    for (std::int64_t i = 0; i < n; ++i)
      y.data()[i * c + labels_[static_cast<std::size_t>(indices[static_cast<std::size_t>(i)])]] = 1;
    return y;
  }
  Tensor y = Tensor::empty(Shape{n});  // binary and sparse: the label as a number
  for (std::int64_t i = 0; i < n; ++i)
    y.data()[i] =
        static_cast<float>(labels_[static_cast<std::size_t>(indices[static_cast<std::size_t>(i)])]);
  return y;
}

}  // namespace keel::preprocessing
