// Checkpoints (models/checkpoint.h): a round trip restores weights, optimizer and training state
// bit for bit; small chunks split every tensor; and every damaged, foreign or ill-fitting file is
// refused with a keel::Error naming the path — never a crash, never a half-loaded model.
//
// The file format (proto/detail/record_file.h): "KEELCKPT" | u32 version | records, each
// [u32 kind][u64 length][payload][u32 CRC32C], the last one END holding the CRC32C of every byte
// before it. CRC32C detects every error burst of up to 32 bits, so every single damaged byte must
// be caught.
#include <gtest/gtest.h>
#include <keel/keel.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "keel/models/checkpoint.h"
#include "keel/proto/checkpoint_format.h"
#include "keel/proto/detail/record_file.h"
#include "test_util.h"

namespace keel {
namespace {

using namespace keel::layers;
namespace fs = std::filesystem;

constexpr std::size_t kChunkBytes = 64;  // 16 floats: every tensor but the biases spans chunks

// --- files -----------------------------------------------------------------------------------

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::uint32_t get32(std::string_view s, std::size_t p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(s[p + static_cast<std::size_t>(i)]);
  return v;
}
std::uint64_t get64(std::string_view s, std::size_t p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(s[p + static_cast<std::size_t>(i)]);
  return v;
}
void set32(std::string& s, std::size_t p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s[p + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

struct RawRecord {
  std::uint32_t kind;
  std::size_t offset;  // of the record's kind field
  std::size_t length;  // of the payload
};

// The records of a well-formed file, read independently of keel's reader.
std::vector<RawRecord> raw_records(std::string_view s) {
  std::vector<RawRecord> out;
  for (std::size_t pos = 12; pos + 16 <= s.size();) {
    const RawRecord r{get32(s, pos), pos, static_cast<std::size_t>(get64(s, pos + 4))};
    out.push_back(r);
    pos += 16 + r.length;
  }
  return out;
}

// Recomputes every record checksum and the END record's whole-file checksum: what a writer that
// produced these bytes on purpose would have stored. Lets a test reach the checks behind the CRCs.
std::string with_valid_checksums(std::string s) {
  for (const RawRecord& r : raw_records(s)) {
    if (r.kind == static_cast<std::uint32_t>(RecordKind::end))
      set32(s, r.offset + 12, crc32c(std::string_view(s).substr(0, r.offset)));
    set32(s, r.offset + 12 + r.length, crc32c(std::string_view(s).substr(r.offset, 12 + r.length)));
  }
  return s;
}

// --- models ----------------------------------------------------------------------------------

// Conv2D(4, 3x3) on 8x8x1 -> Flatten -> Dense(fc_units, softmax), Adam: 40 + 432 weights for
// fc_units = 3.
std::unique_ptr<Sequential> small_model(std::int64_t fc_units = 3) {
  auto model = std::make_unique<Sequential>();
  model->add(
      Convolution2D(4, 3, 3, {.activation = "relu", .input_shape = {8, 8, 1}, .name = "conv"}));
  model->add(Flatten({.name = "flat"}));
  model->add(Dense(fc_units, {.activation = "softmax", .name = "fc"}));
  model->compile("adam", "categorical_crossentropy", {"accuracy"});
  return model;
}

struct Batch {
  Tensor x, y;
};

Batch batch(std::uint64_t seed, std::int64_t classes = 3) {
  Philox rng(seed);
  std::vector<float> x(4 * 64), y(static_cast<std::size_t>(4 * classes), 0.f);
  rng.fill_uniform(x, 0.f, 1.f);
  for (std::int64_t i = 0; i < 4; ++i) y[static_cast<std::size_t>(i * classes + i % classes)] = 1.f;
  return {Tensor::from_data({4, 8, 8, 1}, x), Tensor::from_data({4, classes}, y)};
}

// Trained for one batch, so that Adam has state (m, v for every weight, iterations = 1).
std::unique_ptr<Sequential> trained_model() {
  set_seed(17);
  auto model = small_model();
  const Batch b = batch(1);
  model->train_on_batch(b.x, b.y);
  return model;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape())) return false;
  const auto va = a.to_vector(), vb = b.to_vector();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)) == 0;
}

bool same_weights(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

// --- fixture ---------------------------------------------------------------------------------

class Checkpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("keel_ckpt_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // A valid checkpoint of trained_model() in small chunks; its bytes are kept in good_.
  std::string save_good(const std::string& name = "good.ckpt") {
    auto model = trained_model();
    const std::string path = file(name);
    save_checkpoint(path, *model,
                    {.epoch = 3, .metadata = {{"run", "corruption"}}, .chunk_bytes = kChunkBytes});
    good_ = read_bytes(path);
    return path;
  }

  // Writes `bytes` to a file and loads it: it must throw keel::Error naming the file. Returns the
  // message, or records why not (a success, another exception type, a message without the path).
  std::string load_error(
      std::string_view bytes, const std::string& what,
      const std::function<void(const std::string&)>& load = [](const std::string& p) {
        (void)load_checkpoint(p);
      }) {
    const std::string path = file("damaged.ckpt");
    write_bytes(path, bytes);
    try {
      load(path);
    } catch (const Error& e) {
      if (std::string(e.what()).find(path) == std::string::npos)
        problems_.push_back(what + ": the message does not name the path: " + e.what());
      return e.what();
    } catch (const std::exception& e) {
      problems_.push_back(what + ": threw a non-keel exception: " + e.what());
      return "";
    }
    problems_.push_back(what + ": loaded without an error");
    return "";
  }

  // Fails the test listing the first problems load_error() found (one line each).
  void expect_no_problems(std::size_t variants) {
    std::string list;
    for (std::size_t i = 0; i < problems_.size() && i < 20; ++i) list += "\n  " + problems_[i];
    EXPECT_TRUE(problems_.empty())
        << problems_.size() << " of " << variants << " variants:" << list;
    problems_.clear();
  }

  fs::path dir_;
  std::string good_;
  std::vector<std::string> problems_;
};

// --- round trip ------------------------------------------------------------------------------

TEST_F(Checkpoints, RoundTripRestoresWeightsOptimizerAndStateBitForBit) {
  auto model = trained_model();
  const RngState rng = rng_state();
  const std::string path = file("run.ckpt");
  save_checkpoint(path, *model,
                  {.epoch = 3,
                   .callbacks = Config{{"EarlyStopping", {{"wait", 1}, {"best", 0.25}}}},
                   .metadata = {{"run", "corruption"}, {"host", "ci"}},
                   .chunk_bytes = kChunkBytes});
  EXPECT_EQ(rng_state(), rng) << "saving must not draw from keel's RNG";

  const Checkpoint ckpt = load_checkpoint(path);
  EXPECT_EQ(rng_state(), rng) << "loading must not disturb keel's RNG";
  ASSERT_TRUE(ckpt.model);
  EXPECT_EQ(ckpt.model->class_name(), "Sequential");
  EXPECT_EQ(ckpt.format_version, kCheckpointFormatVersion);
  EXPECT_EQ(ckpt.keel_version, keel_version());
  EXPECT_TRUE(same_weights(ckpt.model->get_weights(), model->get_weights()));

  ASSERT_TRUE(ckpt.optimizer);
  ASSERT_TRUE(ckpt.model->compiled());
  EXPECT_EQ(&ckpt.model->optimizer(), ckpt.optimizer.get());
  EXPECT_EQ(ckpt.model->metrics_names(), model->metrics_names());
  const auto& opt = model->optimizer();
  EXPECT_EQ(ckpt.optimizer->class_name(), "Adam");
  EXPECT_EQ(ckpt.optimizer->iterations(), 1);
  EXPECT_EQ(ckpt.optimizer->get_config(), opt.get_config());
  EXPECT_EQ(ckpt.optimizer->state_scalars(), opt.state_scalars());
  const auto want = opt.state(), got = ckpt.optimizer->state();
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(want.size(), 4u);  // conv W, b and fc W, b
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].weight, want[i].weight);
    ASSERT_EQ(got[i].slots.size(), 2u) << want[i].weight;  // Adam's m and v
    for (std::size_t s = 0; s < 2; ++s) {
      EXPECT_EQ(got[i].slots[s].name, want[i].slots[s].name);
      EXPECT_TRUE(same_bits(got[i].slots[s].value, want[i].slots[s].value))
          << want[i].weight << " " << want[i].slots[s].name;
    }
  }

  EXPECT_EQ(ckpt.state.epoch, 3);
  EXPECT_EQ(ckpt.state.step, 1);
  EXPECT_EQ(ckpt.state.rng, rng);
  EXPECT_EQ(ckpt.state.shuffle_seed, model->shuffle_seed());
  EXPECT_EQ(ckpt.model->shuffle_seed(), model->shuffle_seed());
  EXPECT_EQ(ckpt.state.callbacks, (Config{{"EarlyStopping", {{"wait", 1}, {"best", 0.25}}}}));
  EXPECT_EQ(ckpt.state.metadata,
            (std::map<std::string, std::string>{{"run", "corruption"}, {"host", "ci"}}));
}

TEST_F(Checkpoints, RestoredRunContinuesBitForBit) {
  auto model = trained_model();
  const std::string path = file("run.ckpt");
  save_checkpoint(path, *model, {.chunk_bytes = kChunkBytes});
  const Checkpoint ckpt = load_checkpoint(path);
  const Batch b = batch(2);
  const auto loss = model->train_on_batch(b.x, b.y);
  const auto restored_loss = ckpt.model->train_on_batch(b.x, b.y);
  EXPECT_EQ(restored_loss, loss);
  EXPECT_EQ(ckpt.optimizer->iterations(), 2);
  EXPECT_TRUE(same_weights(ckpt.model->get_weights(), model->get_weights()))
      << "the second Adam step must see the restored m, v and iterations";
}

TEST_F(Checkpoints, SmallChunksSplitEveryTensorAndInspectStillGivesTheShapes) {
  const std::string path = save_good();
  const CheckpointInfo info = inspect_checkpoint(path);
  EXPECT_EQ(info.kind, "checkpoint");
  EXPECT_EQ(info.file_bytes, fs::file_size(path));
  EXPECT_EQ(info.optimizer_class, "Adam");
  EXPECT_EQ(info.state.epoch, 3);
  EXPECT_EQ(info.state.step, 1);
  EXPECT_EQ(info.state.metadata.at("run"), "corruption");

  // Weights: conv W (3, 3, 1, 4) and b (4,), fc W (144, 3) and b (3,), in layer order, each with
  // its L2 norm; then Adam's m and v of each, of the same shapes.
  auto model = trained_model();
  std::vector<CheckpointInfo::TensorInfo> weights, slots;
  for (const auto& t : info.tensors) (t.group == "weights" ? weights : slots).push_back(t);
  const std::vector<std::pair<std::string, Shape>> expected = {{"conv/W", Shape{3, 3, 1, 4}},
                                                               {"conv/b", Shape{4}},
                                                               {"fc/W", Shape{144, 3}},
                                                               {"fc/b", Shape{3}}};
  ASSERT_EQ(weights.size(), expected.size());
  const auto values = model->get_weights();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(weights[i].owner + "/" + weights[i].name, expected[i].first);
    EXPECT_EQ(weights[i].shape, expected[i].second) << expected[i].first;
    double sum = 0;
    for (float v : values[i].to_vector()) sum += static_cast<double>(v) * v;
    EXPECT_NEAR(weights[i].l2_norm, std::sqrt(sum), 1e-9 * (1 + std::sqrt(sum)))
        << expected[i].first;
  }
  ASSERT_EQ(slots.size(), 8u);
  std::int64_t slot_floats = 0, weight_floats = 0;
  for (const auto& s : slots) slot_floats += s.shape.numel();
  for (const auto& w : weights) weight_floats += w.shape.numel();
  EXPECT_EQ(slot_floats, 2 * weight_floats);

  // The file itself: one chunk record per started 64 bytes of each tensor (fc/W alone is 1728
  // bytes, 27 chunks), between one header and one END record.
  std::size_t expected_chunks = 0;
  for (const auto& t : info.tensors)
    expected_chunks +=
        (static_cast<std::size_t>(t.shape.numel()) * sizeof(float) + kChunkBytes - 1) / kChunkBytes;
  const auto records = raw_records(good_);
  std::size_t chunks = 0;
  for (const auto& r : records) chunks += r.kind == static_cast<std::uint32_t>(RecordKind::chunk);
  EXPECT_EQ(chunks, expected_chunks);
  EXPECT_GE(chunks, 90u);
  EXPECT_EQ(records.front().kind, static_cast<std::uint32_t>(RecordKind::header));
  EXPECT_EQ(records.back().kind, static_cast<std::uint32_t>(RecordKind::end));
  EXPECT_EQ(records.back().offset + 20, good_.size());
}

// --- files that are not there, not whole or not checkpoints -----------------------------------

TEST_F(Checkpoints, MissingFileIsAnIOErrorNamingThePath) {
  const std::string path = file("nope.ckpt");
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, path);
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, "cannot be opened");
  EXPECT_THROW_MSG(inspect_checkpoint(path), IOError, path);
}

TEST_F(Checkpoints, EmptyFileIsAnIOError) {
  const std::string path = file("empty.ckpt");
  write_bytes(path, "");
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, path + ": the file is empty");
  EXPECT_THROW_MSG(inspect_checkpoint(path), IOError, "empty");
}

TEST_F(Checkpoints, EveryTruncationIsDetected) {
  save_good();
  std::vector<std::size_t> lengths;
  for (std::size_t n = 1; n < good_.size(); n += 7) lengths.push_back(n);
  for (std::size_t n = good_.size() > 64 ? good_.size() - 64 : 1; n < good_.size(); ++n)
    lengths.push_back(n);
  for (std::size_t n : lengths)
    load_error(std::string_view(good_).substr(0, n),
               "truncated to " + std::to_string(n) + " bytes");
  expect_no_problems(lengths.size());
  // The messages say what is wrong: a cut record or the missing END record.
  EXPECT_NE(
      load_error(std::string_view(good_).substr(0, good_.size() - 1), "cut").find("truncated"),
      std::string::npos);
  EXPECT_NE(load_error(std::string_view(good_).substr(0, good_.size() - 20), "no END")
                .find("end record is missing"),
            std::string::npos);
}

TEST_F(Checkpoints, EveryFlippedByteIsDetected) {
  save_good();
  std::vector<std::size_t> positions;
  for (std::size_t p = 0; p < good_.size(); p += 13) positions.push_back(p);
  for (std::size_t p = 0; p < 64 && p < good_.size(); ++p) positions.push_back(p);
  for (std::size_t p = good_.size() - 64; p < good_.size(); ++p) positions.push_back(p);
  std::size_t variants = 0;
  for (std::size_t p : positions)
    for (unsigned char mask : {0x01, 0x80, 0xff}) {  // the lowest bit, the highest, all of them
      std::string bad = good_;
      bad[p] = static_cast<char>(bad[p] ^ mask);
      load_error(bad, "byte " + std::to_string(p) + " ^ " + std::to_string(mask));
      ++variants;
    }
  expect_no_problems(variants);
  // Also through inspect_checkpoint and Model::load_weights, which read the same container.
  std::string bad = good_;
  bad[good_.size() / 2] ^= 0x10;
  load_error(bad, "inspect", [](const std::string& p) { (void)inspect_checkpoint(p); });
  auto model = small_model();
  load_error(bad, "load_weights", [&](const std::string& p) { model->load_weights(p); });
  expect_no_problems(2);
}

TEST_F(Checkpoints, WrongMagicIsNotACheckpoint) {
  save_good();
  for (const std::string& magic :
       std::vector<std::string>{"KEELCKPX", "keelckpt", "KERASH5\n", std::string(8, '\0')}) {
    std::string bad = good_;
    bad.replace(0, 8, magic);
    EXPECT_NE(load_error(bad, "magic " + magic).find("not a keel checkpoint (wrong magic bytes)"),
              std::string::npos);
  }
  expect_no_problems(4);
}

// A file whose version field says something this keel does not read: the message must name the
// version (not just "checksum mismatch"), whether only the field was patched (the whole-file CRC
// no longer matches) or a newer writer produced consistent checksums.
TEST_F(Checkpoints, UnsupportedVersionIsNamedEvenWhenOnlyTheFieldWasPatched) {
  save_good();
  for (std::uint32_t version : {0u, kCheckpointFormatVersion + 1, 0xffffffffu}) {
    std::string bad = good_;
    set32(bad, 8, version);
    const std::string message = load_error(bad, "version " + std::to_string(version));
    EXPECT_NE(message.find("version " + std::to_string(version)), std::string::npos) << message;
  }
  expect_no_problems(3);
}

TEST_F(Checkpoints, UnsupportedVersionWithConsistentChecksumsIsNamed) {
  save_good();
  for (std::uint32_t version : {0u, kCheckpointFormatVersion + 1, 0xffffffffu}) {
    std::string bad = good_;
    set32(bad, 8, version);
    const std::string message =
        load_error(with_valid_checksums(bad), "version " + std::to_string(version));
    EXPECT_NE(message.find("format version " + std::to_string(version) + " is not supported"),
              std::string::npos)
        << message;
  }
  expect_no_problems(3);
}

TEST_F(Checkpoints, TextFileIsNotACheckpoint) {
  const std::string path = file("notes.txt");
  write_bytes(path, "epoch 3: loss 0.25\nthis is not a checkpoint\n");
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, path + ": not a keel checkpoint");
  write_bytes(path, "KEEL");  // shorter than magic + version
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, path + ": not a keel checkpoint");
}

TEST_F(Checkpoints, NpyFileIsNotACheckpoint) {
  const std::string path = file("weights.npy");
  write_npy(path, Tensor::full({16, 4}, 0.5f));
  EXPECT_THROW_MSG(load_checkpoint(path), IOError, path + ": not a keel checkpoint");
  auto model = small_model();
  EXPECT_THROW_MSG(model->load_weights(path), IOError, path + ": not a keel checkpoint");
}

TEST_F(Checkpoints, WeightsFileIsNotACheckpoint) {
  auto model = trained_model();
  const std::string path = file("weights.keel");
  model->save_weights(path);
  EXPECT_THROW_MSG(load_checkpoint(path), ValueError,
                   path + ": a 'weights' file, not a checkpoint");
}

// --- files whose checksums are right but whose content is not ---------------------------------

TEST_F(Checkpoints, DamageBehindValidRecordChecksumsIsCaughtByTheTensorChecksum) {
  save_good();
  // The last byte of a chunk's payload is tensor data (TensorChunk's last field is `data`).
  const auto records = raw_records(good_);
  std::vector<std::size_t> data_bytes;
  for (const auto& r : records)
    if (r.kind == static_cast<std::uint32_t>(RecordKind::chunk))
      data_bytes.push_back(r.offset + 12 + r.length - 1);
  for (std::size_t k = 0; k < data_bytes.size(); k += 5) {
    std::string bad = good_;
    bad[data_bytes[k]] ^= 0x01;
    const std::string message =
        load_error(with_valid_checksums(bad), "chunk byte " + std::to_string(data_bytes[k]));
    EXPECT_NE(message.find("payload checksum mismatch"), std::string::npos) << message;
  }
  expect_no_problems(data_bytes.size() / 5);
}

// Writes a file with the given header (manifest included, as given) and chunks.
struct RawChunk {
  std::uint32_t tensor, index;
  std::string data;
};
std::string raw_file(const proto::CheckpointHeader& header, const std::vector<RawChunk>& chunks) {
  RecordWriter w(kCheckpointFormatVersion);
  w.add(RecordKind::header, header.SerializeAsString());
  for (const auto& c : chunks) {
    proto::TensorChunk chunk;
    chunk.set_tensor(c.tensor);
    chunk.set_index(c.index);
    chunk.set_data(c.data);
    w.add(RecordKind::chunk, chunk.SerializeAsString());
  }
  return w.finish();
}

proto::TensorInfo* add_tensor(proto::CheckpointHeader& h, std::vector<std::int64_t> shape,
                              std::uint64_t bytes, std::uint32_t chunks, std::string_view data) {
  auto* t = h.add_tensors();
  t->set_group("weights");
  t->set_owner("fc");
  t->set_name("W");
  for (auto d : shape) t->add_shape(d);
  t->set_dtype("float32");
  t->set_bytes(bytes);
  t->set_chunks(chunks);
  t->set_crc32c(crc32c(data));
  return t;
}

TEST_F(Checkpoints, ManifestThatDisagreesWithTheChunksIsRejected) {
  const std::string twelve(48, '\1'), eleven(44, '\1');
  auto header = [] {
    proto::CheckpointHeader h;
    h.set_kind("checkpoint");
    return h;
  };
  {  // shape (4, 3) but 11 floats
    auto h = header();
    add_tensor(h, {4, 3}, 44, 1, eleven);
    EXPECT_NE(load_error(raw_file(h, {{0, 0, eleven}}), "short").find("tensor fc/W is incomplete"),
              std::string::npos);
  }
  {  // two chunks announced, one written
    auto h = header();
    add_tensor(h, {4, 3}, 48, 2, twelve);
    EXPECT_NE(load_error(raw_file(h, {{0, 0, twelve}}), "chunk count").find("incomplete"),
              std::string::npos);
  }
  {  // chunks out of order
    auto h = header();
    add_tensor(h, {4, 3}, 48, 2, twelve);
    EXPECT_NE(
        load_error(raw_file(h, {{0, 1, twelve.substr(0, 24)}, {0, 0, twelve.substr(24)}}), "order")
            .find("out of order"),
        std::string::npos);
  }
  {  // a chunk of a tensor the header lacks
    auto h = header();
    add_tensor(h, {4, 3}, 48, 1, twelve);
    EXPECT_NE(
        load_error(raw_file(h, {{0, 0, twelve}, {7, 0, twelve}}), "stray").find("names tensor 7"),
        std::string::npos);
  }
  {  // a dtype keel does not store
    auto h = header();
    add_tensor(h, {4, 3}, 48, 1, twelve)->set_dtype("float16");
    EXPECT_NE(load_error(raw_file(h, {{0, 0, twelve}}), "dtype").find("dtype 'float16'"),
              std::string::npos);
  }
  {  // a negative dimension, a rank beyond Shape::kMaxRank
    auto h = header();
    add_tensor(h, {-4, -3}, 48, 1, twelve);
    EXPECT_NE(load_error(raw_file(h, {{0, 0, twelve}}), "negative").find("invalid dimension -4"),
              std::string::npos);
    auto h2 = header();
    add_tensor(h2, {1, 1, 1, 1, 1, 1, 4, 3}, 48, 1, twelve);
    EXPECT_NE(load_error(raw_file(h2, {{0, 0, twelve}}), "rank").find("rank 8"), std::string::npos);
  }
  expect_no_problems(7);
}

// Dimensions that each pass a per-dimension bound but whose product overflows 64 bits (2^40 *
// 2^24 = 2^64 wraps to 0 elements, matching an empty payload): must be refused by the decoder,
// not turned into a tensor or an allocation. Read with inspect_checkpoint, which decodes every
// tensor and builds nothing (load_checkpoint would fail later on the empty architecture anyway).
TEST_F(Checkpoints, ShapeWhoseElementCountOverflowsIsRejected) {
  const auto inspect = [](const std::string& p) { (void)inspect_checkpoint(p); };
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> shapes = {
      {"2^40 x 2^24", {std::int64_t{1} << 40, std::int64_t{1} << 24}},
      {"2^21 x 2^21 x 2^22", {std::int64_t{1} << 21, std::int64_t{1} << 21, std::int64_t{1} << 22}},
      {"2^40 x 2^40 x 2^40", {std::int64_t{1} << 40, std::int64_t{1} << 40, std::int64_t{1} << 40}},
  };
  for (const auto& [what, shape] : shapes) {
    proto::CheckpointHeader h;
    h.set_kind("checkpoint");
    add_tensor(h, shape, 0, 0, "");
    load_error(raw_file(h, {}), what, inspect);
  }
  expect_no_problems(shapes.size());
}

TEST_F(Checkpoints, UnknownRecordKindsAndBytesAfterTheEndAreRejected) {
  save_good();
  {
    std::string bad = good_;
    set32(bad, 12, 9);  // the header record's kind
    EXPECT_NE(load_error(with_valid_checksums(bad), "kind 9").find("unknown record kind 9"),
              std::string::npos);
  }
  EXPECT_NE(load_error(good_ + "x", "trailing byte").find("data after the end record"),
            std::string::npos);
  {
    std::string bad = good_;
    set32(bad, raw_records(good_)[1].offset,
          static_cast<std::uint32_t>(RecordKind::header));  // a second header
    EXPECT_NE(load_error(with_valid_checksums(bad), "two headers")
                  .find("unexpected record after the header"),
              std::string::npos);
  }
  expect_no_problems(3);
}

TEST_F(Checkpoints, UnparsableHeaderIsRejected) {
  RecordWriter w(kCheckpointFormatVersion);
  w.add(RecordKind::header, std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11));
  EXPECT_NE(load_error(w.finish(), "header").find("the header record does not parse"),
            std::string::npos);
  RecordWriter only_end(kCheckpointFormatVersion);
  EXPECT_NE(load_error(only_end.finish(), "no header").find("the header record is missing"),
            std::string::npos);
  expect_no_problems(2);
}

// A consistent file whose architecture or weights are wrong: an Error saying what, and keel's RNG
// (which building the model draws its initial weights from) as it was, whichever check failed.
TEST_F(Checkpoints, ArchitectureOrWeightsThatDoNotFitAreRejected) {
  save_good();
  struct Variant {
    std::string what;
    std::function<void(DecodedCheckpoint&)> edit;
    std::string message;
  };
  const std::vector<Variant> variants = {
      {"architecture not JSON", [](auto& d) { d.header.set_model_json("{\"class_name\": "); },
       "the model architecture is not valid JSON"},
      {"unknown layer",
       [](auto& d) {
         d.header.set_model_json(
             R"({"class_name": "Sequential", "config": [{"class_name": "NoSuchLayer", "config": {}}]})");
       },
       "the architecture cannot be rebuilt"},
      {"missing weight", [](auto& d) { d.tensors.erase(d.tensors.begin() + 2); },
       "weight fc/W is missing"},
      {"wrong shape",
       [](auto& d) {
         d.tensors[2].value = Tensor::zeros({144, 5});
       },
       "weight fc/W (model (144, 3), file (144, 5))"},
      {"extra weight",
       [](auto& d) {
         d.tensors.push_back({"weights", "ghost", "W", Tensor::zeros({2})});
       },
       "weight ghost/W belongs to no layer"},
      {"unknown optimizer", [](auto& d) { d.header.mutable_optimizer()->set_class_name("Adamw"); },
       "the optimizer cannot be restored"},
      {"wrong slot name",
       [](auto& d) {
         for (auto& t : d.tensors)
           if (t.group == "optimizer" && t.name == "m") t.name = "moment";
       },
       "the optimizer cannot be restored"},
  };
  for (const auto& v : variants) {
    DecodedCheckpoint d = decode_checkpoint(good_, "good");
    v.edit(d);
    const RngState rng = rng_state();
    const std::string message =
        load_error(encode_checkpoint(d.header, d.tensors, kChunkBytes), v.what);
    EXPECT_NE(message.find(v.message), std::string::npos) << v.what << ": " << message;
    EXPECT_EQ(rng_state(), rng) << v.what << ": a failed load moved keel's RNG from counter "
                                << rng.counter << " to " << rng_state().counter;
  }
  expect_no_problems(variants.size());
}

// --- loading into an existing model -----------------------------------------------------------

TEST_F(Checkpoints, LoadWeightsIntoADifferentArchitectureIsAValueErrorAndChangesNothing) {
  const std::string path = save_good();
  auto wider = small_model(5);  // fc is (144, 5): conv matches, fc does not
  const auto before = wider->get_weights();
  EXPECT_THROW_MSG(wider->load_weights(path), ValueError, path + ": weights do not match model");
  EXPECT_THROW_MSG(wider->load_weights(path), ValueError,
                   "shape-mismatched fc/W (model (144, 5), file (144, 3))");
  EXPECT_TRUE(same_weights(wider->get_weights(), before))
      << "strict load must change nothing, not even conv";

  Sequential other;  // different layer names altogether
  other.add(Dense(3, {.input_shape = {4}, .name = "head"}));
  const auto other_before = other.get_weights();
  EXPECT_THROW_MSG(other.load_weights(path), ValueError,
                   "missing head/W, head/b; unexpected conv/W, conv/b, fc/W, fc/b");
  EXPECT_TRUE(same_weights(other.get_weights(), other_before));

  // Non-strict: loads what matches (conv) and reports the rest.
  const auto report = wider->load_weights(path, /*strict=*/false);
  EXPECT_EQ(report.mismatched.size(), 2u);  // fc/W and fc/b
  EXPECT_TRUE(same_bits(wider->get_weights()[0], trained_model()->get_weights()[0]));
}

// A damaged file must not half-load: damage late in the file (the last chunks) after all earlier
// tensors verified fine, and the model keeps every weight bit for bit.
TEST_F(Checkpoints, DamagedFileLeavesTheModelBitIdentical) {
  const std::string path = save_good();
  set_seed(99);
  auto model = small_model();  // same architecture and names, other weights
  const auto before = model->get_weights();
  ASSERT_FALSE(same_weights(before, trained_model()->get_weights()));
  const auto records = raw_records(good_);
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"last chunk flipped",
       [&] {
         std::string s = good_;
         s[records[records.size() - 2].offset + 12 + records[records.size() - 2].length / 2] ^=
             0x04;
         return s;
       }()},
      {"last chunk flipped, record CRCs valid",
       [&] {
         std::string s = good_;
         s[records[records.size() - 2].offset + 12 + records[records.size() - 2].length - 1] ^=
             0x04;
         return with_valid_checksums(s);
       }()},
      {"END cut off", good_.substr(0, good_.size() - 20)},
      {"truncated mid-file", good_.substr(0, good_.size() / 2)},
  };
  for (const auto& [what, bytes] : variants) {
    load_error(bytes, what, [&](const std::string& p) { model->load_weights(p); });
    EXPECT_TRUE(same_weights(model->get_weights(), before)) << what;
    load_error(bytes, what + " (non-strict)",
               [&](const std::string& p) { model->load_weights(p, false); });
    EXPECT_TRUE(same_weights(model->get_weights(), before)) << what << " (non-strict)";
  }
  expect_no_problems(2 * variants.size());
}

}  // namespace
}  // namespace keel
