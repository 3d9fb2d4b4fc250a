// NumPy .npz archives (core/npz.h) and a model's weights as one (models/npz_weights.h).
//
// Reference for the bytes: PKWARE's APPNOTE.TXT (local header 4.3.7, central directory 4.3.12,
// end record 4.3.16, ZIP64 extra field 4.5.3) and what np.savez writes through Python's zipfile:
// stored entries "<name>.npy", each local header with a ZIP64 extra field (force_zip64=True),
// np.savez_compressed the same with raw deflate (method 8).
#include <gtest/gtest.h>
#include <keel/core/npz.h>
#include <keel/keel.h>
#include <keel/models/npz_weights.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_util.h"
#include "tool_test_util.h"

namespace keel {
namespace {

using namespace keel::layers;
namespace fs = std::filesystem;
using Arrays = std::vector<std::pair<std::string, Tensor>>;

// A .npz path under the temporary directory, unique to this test, removed at the end.
struct TempFile : test::TempFile {
  explicit TempFile(const std::string& suffix = ".npz") : test::TempFile(suffix) {}
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::uint32_t get32(const std::string& b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint16_t get16(const std::string& b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}

std::uint32_t zlib_crc(const std::string& bytes) {
  return static_cast<std::uint32_t>(crc32(crc32(0L, Z_NULL, 0),
                                          reinterpret_cast<const Bytef*>(bytes.data()),
                                          static_cast<uInt>(bytes.size())));
}

// Raw deflate (windowBits -15), as zipfile writes with ZIP_DEFLATED.
std::string deflate_raw(const std::string& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// A ZIP archive written independently of keel's writer, in the variants NumPy produces.
struct RawEntry {
  std::string name;              // as stored: "W.npy"
  std::string data;              // uncompressed bytes
  std::uint16_t method = 0;      // 0 stored, 8 deflated here; any other value is only a label
  bool zip64_local = false;      // np.savez: local sizes 0xffffffff and a ZIP64 extra field
  bool data_descriptor = false;  // bit 3: local CRC and sizes zero, a descriptor after the data
};

std::string make_zip(const std::vector<RawEntry>& entries) {
  auto put16 = [](std::string& o, std::uint32_t v) {
    o += char(v & 0xff);
    o += char((v >> 8) & 0xff);
  };
  auto put32 = [&](std::string& o, std::uint32_t v) {
    put16(o, v & 0xffff);
    put16(o, v >> 16);
  };
  auto put64 = [&](std::string& o, std::uint64_t v) {
    put32(o, std::uint32_t(v));
    put32(o, std::uint32_t(v >> 32));
  };
  std::string out, central;
  for (const auto& e : entries) {
    const std::string payload = e.method == 8 ? deflate_raw(e.data) : e.data;
    const std::uint32_t crc = zlib_crc(e.data);
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint16_t flags = e.data_descriptor ? 8 : 0;
    const std::uint16_t version = e.zip64_local ? 45 : 20;
    put32(out, 0x04034b50);
    put16(out, version);
    put16(out, flags);
    put16(out, e.method);
    put16(out, 0x6000);  // some time of day
    put16(out, 0x5821);  // some date
    put32(out, e.data_descriptor ? 0 : crc);
    put32(out, e.zip64_local ? 0xffffffffu : e.data_descriptor ? 0 : std::uint32_t(payload.size()));
    put32(out, e.zip64_local ? 0xffffffffu : e.data_descriptor ? 0 : std::uint32_t(e.data.size()));
    put16(out, std::uint32_t(e.name.size()));
    put16(out, e.zip64_local ? 20 : 0);
    out += e.name;
    if (e.zip64_local) {
      put16(out, 0x0001);
      put16(out, 16);
      put64(out, e.data.size());
      put64(out, payload.size());
    }
    out += payload;
    if (e.data_descriptor) {
      put32(out, 0x08074b50);
      put32(out, crc);
      put32(out, std::uint32_t(payload.size()));
      put32(out, std::uint32_t(e.data.size()));
    }
    put32(central, 0x02014b50);
    put16(central, (3 << 8) | version);
    put16(central, version);
    put16(central, flags);
    put16(central, e.method);
    put16(central, 0x6000);
    put16(central, 0x5821);
    put32(central, crc);
    put32(central, std::uint32_t(payload.size()));
    put32(central, std::uint32_t(e.data.size()));
    put16(central, std::uint32_t(e.name.size()));
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0600u << 16);
    put32(central, offset);
    central += e.name;
  }
  const auto cd_offset = static_cast<std::uint32_t>(out.size());
  out += central;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, std::uint32_t(entries.size()));
  put16(out, std::uint32_t(entries.size()));
  put32(out, std::uint32_t(central.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

std::vector<float> ramp(std::size_t n, float start = 0.f, float step = 1.f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

void expect_same(const Arrays& got, const Arrays& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].first, want[i].first);
    EXPECT_EQ(got[i].second.shape(), want[i].second.shape()) << want[i].first;
    EXPECT_EQ(got[i].second.to_vector(), want[i].second.to_vector()) << want[i].first;
  }
}

// ---- write_npz / read_npz ---------------------------------------------------------------------

TEST(Npz, RoundTripKeepsNamesOrderShapesAndValues) {
  TempFile file;
  const Arrays arrays = {
      {"convolution2d_1/W", Tensor::from_data({3, 3, 1, 2}, ramp(18, -1.f, 0.125f))},
      {"convolution2d_1/b", Tensor::from_data({2}, {0.5f, -0.25f})},
      {"scalar", Tensor::scalar(7.f)},
      {"empty", Tensor::zeros({0, 3})},
      {"a/b/c d", Tensor::from_data({2, 1}, {1e-30f, -0.f})},
      {"poids_\xc3\xa9t\xc3\xa9", Tensor::from_data({1}, {3.f})},  // "poids_été": UTF-8
  };
  write_npz(file.path(), arrays);
  const Arrays back = read_npz(file.path());
  expect_same(back, arrays);
  EXPECT_EQ(back[2].second.rank(), 0);
  EXPECT_EQ(back[3].second.numel(), 0);
}

TEST(Npz, EmptyArchiveRoundTrips) {
  TempFile file;
  write_npz(file.path(), {});
  EXPECT_EQ(read_bytes(file.path()).size(), 22u);  // only the end record
  EXPECT_TRUE(read_npz(file.path()).empty());
}

TEST(Npz, WritesStoredNpyEntriesWithZlibCrc32AsNpSavez) {
  TempFile file;
  const Tensor w = Tensor::from_data({2, 3}, ramp(6));
  write_npz(file.path(), {{"W", w}});
  const std::string zip = read_bytes(file.path());
  const std::string npy = npy_bytes(w);
  ASSERT_GE(zip.size(), 30u + 5 + npy.size());
  EXPECT_EQ(get32(zip, 0), 0x04034b50u);                // local file header
  EXPECT_EQ(get16(zip, 8), 0);                          // method: stored
  EXPECT_EQ(get32(zip, 14), zlib_crc(npy));             // CRC-32 of the .npy bytes
  EXPECT_EQ(get32(zip, 18), npy.size());                // compressed size
  EXPECT_EQ(get32(zip, 22), npy.size());                // uncompressed size
  EXPECT_EQ(zip.substr(30, get16(zip, 26)), "W.npy");   // entry name
  EXPECT_EQ(zip.substr(35, npy.size()), npy);           // the .npy file itself
  EXPECT_EQ(get32(zip, zip.size() - 22), 0x06054b50u);  // end of central directory
  EXPECT_EQ(get16(zip, zip.size() - 12), 1);            // one entry
}

TEST(Npz, SameArraysGiveSameBytes) {
  TempFile a, b;
  const Arrays arrays = {{"x", Tensor::from_data({4}, ramp(4))}};
  write_npz(a.path(), arrays);
  write_npz(b.path(), arrays);
  EXPECT_EQ(read_bytes(a.path()), read_bytes(b.path()));
}

TEST(Npz, ReadsDeflatedEntriesAsNpSavezCompressedWrites) {
  TempFile file;
  const Tensor w = Tensor::from_data({4, 5}, ramp(20, 1.f, 0.5f));
  const Tensor z = Tensor::zeros({100});  // compresses well
  write_bytes(file.path(),
              make_zip({{"W.npy", npy_bytes(w), 8, true}, {"z.npy", npy_bytes(z), 8, true}}));
  ASSERT_LT(read_bytes(file.path()).size(), npy_bytes(z).size());  // really deflated
  expect_same(read_npz(file.path()), {{"W", w}, {"z", z}});
}

TEST(Npz, ReadsZip64LocalHeadersAndDataDescriptors) {
  TempFile file;
  const Tensor a = Tensor::from_data({3}, {1.f, 2.f, 3.f}), b = Tensor::from_data({2, 2}, ramp(4));
  write_bytes(file.path(), make_zip({{"a.npy", npy_bytes(a), 0, true, false},
                                     {"b.npy", npy_bytes(b), 8, false, true}}));
  expect_same(read_npz(file.path()), {{"a", a}, {"b", b}});
}

TEST(Npz, CrcMismatchIsAnIOErrorNamingTheEntry) {
  TempFile file;
  const Tensor w = Tensor::from_data({8}, ramp(8));
  write_npz(file.path(), {{"dense_1/W", w}});
  std::string zip = read_bytes(file.path());
  // The last byte of the entry's data: local header (30), name (13), then the .npy file.
  zip[30 + 13 + npy_bytes(w).size() - 1] ^= 0x01;
  write_bytes(file.path(), zip);
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, "CRC-32 mismatch in entry 'dense_1/W.npy'");
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, file.path());
}

TEST(Npz, TruncatedFileIsAnIOError) {
  TempFile file;
  write_npz(file.path(), {{"W", Tensor::from_data({16}, ramp(16))}});
  const std::string zip = read_bytes(file.path());
  write_bytes(file.path(), zip.substr(0, zip.size() / 2));
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, file.path() + ": truncated");
  // Cut inside the end record.
  write_bytes(file.path(), zip.substr(0, zip.size() - 10));
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, "truncated");
}

TEST(Npz, EntryBeyondTheEndOfTheFileIsAnIOError) {
  TempFile file;
  write_npz(file.path(), {{"W", Tensor::from_data({16}, ramp(16))}});
  std::string zip = read_bytes(file.path());
  // The central directory entry's local header offset (bytes 42-45) moved 1 MiB further.
  const std::size_t cd = get32(zip, zip.size() - 6);
  zip[cd + 44] = static_cast<char>(0x10);
  write_bytes(file.path(), zip);
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, "truncated: the local header of entry 'W.npy'");
}

TEST(Npz, NonZipIsAnIOError) {
  TempFile text, npy, empty;
  write_bytes(text.path(), "this is not an archive, only some text long enough to look at\n");
  EXPECT_THROW_MSG(read_npz(text.path()), IOError, text.path() + ": not a zip archive");
  write_npy(npy.path(), Tensor::from_data({2}, {1.f, 2.f}));
  EXPECT_THROW_MSG(read_npz(npy.path()), IOError, "is a .npy file, not an .npz archive");
  write_bytes(empty.path(), "");
  EXPECT_THROW_MSG(read_npz(empty.path()), IOError, "is empty");
}

TEST(Npz, MissingFileIsAnIOError) {
  TempFile file;
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, file.path() + ": cannot be opened");
}

TEST(Npz, UnsupportedCompressionMethodIsAnIOError) {
  TempFile file;
  write_bytes(file.path(), make_zip({{"W.npy", npy_bytes(Tensor::scalar(1.f)), 12}}));
  EXPECT_THROW_MSG(read_npz(file.path()), IOError,
                   "entry 'W.npy' uses unsupported compression method 12 (bzip2)");
}

TEST(Npz, BadNpyInsideIsAnIOErrorNamingTheEntry) {
  TempFile file;
  write_bytes(file.path(), make_zip({{"notes.npy", "just some text, not an array"}}));
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, file.path() + ":notes.npy: not a .npy file");
}

TEST(Npz, CorruptDeflateDataIsAnIOError) {
  TempFile file;
  std::string zip = make_zip({{"W.npy", npy_bytes(Tensor::from_data({64}, ramp(64))), 8}});
  for (std::size_t i = 40; i < 60; ++i) zip[i] = static_cast<char>(0xff);
  write_bytes(file.path(), zip);
  EXPECT_THROW_MSG(read_npz(file.path()), IOError, "entry 'W.npy'");
}

TEST(Npz, InvalidNamesAreValueErrors) {
  TempFile file;
  const Tensor t = Tensor::scalar(1.f);
  EXPECT_THROW_MSG(write_npz(file.path(), {{std::string("a\0b", 3), t}}), ValueError,
                   "array name 'a\\x00b' contains a NUL character");
  EXPECT_THROW_MSG(write_npz(file.path(), {{"bad\xff", t}}), ValueError,
                   "array name 'bad\\xff' is not valid UTF-8");
  EXPECT_THROW_MSG(write_npz(file.path(), {{"", t}}), ValueError, "an array name is empty");
  EXPECT_THROW_MSG(write_npz(file.path(), {{"w", t}, {"w", t}}), ValueError,
                   "array name 'w' appears twice");
  EXPECT_FALSE(fs::exists(file.path()));  // nothing written
}

TEST(Npz, ArchivesOf4GiBOrMoreAreRejectedBeforeWriting) {
  TempFile file;
  // 16 entries sharing one 256 MiB buffer (never touched: the size is checked first) make 4 GiB.
  const Tensor big = Tensor::empty({std::int64_t{1} << 26});
  Arrays arrays;
  for (int i = 0; i < 16; ++i) arrays.emplace_back(std::to_string(i), big);
  EXPECT_THROW_MSG(write_npz(file.path(), arrays), ValueError, "without ZIP64");
  EXPECT_FALSE(fs::exists(file.path()));
}

// ---- save_weights_npz / load_weights_npz ------------------------------------------------------

std::unique_ptr<Sequential> mlp(std::int64_t outputs = 2) {
  auto model = std::make_unique<Sequential>();
  model->add(Dense(8, {.activation = "tanh", .input_shape = {4}, .name = "hidden"}));
  model->add(Dense(outputs, {.activation = "softmax", .name = "out"}));
  return model;
}

void expect_weights_eq(const std::vector<Tensor>& got, const std::vector<Tensor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].to_vector(), want[i].to_vector()) << "weight " << i;
}

TEST(NpzWeights, SavesKerasLayoutUnderLayerSlashWeightKeys) {
  TempFile file;
  auto model = mlp();
  save_weights_npz(*model, file.path());
  const Arrays arrays = read_npz(file.path());
  const auto weights = model->get_weights();
  ASSERT_EQ(arrays.size(), 4u);
  const std::vector<std::string> keys = {"hidden/W", "hidden/b", "out/W", "out/b"};
  const std::vector<Shape> shapes = {
      {4, 8}, {8}, {8, 2}, {2}};  // Dense W is (input_dim, output_dim)
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(arrays[i].first, keys[i]);
    EXPECT_EQ(arrays[i].second.shape(), shapes[i]);
    EXPECT_EQ(arrays[i].second.to_vector(), weights[i].to_vector());
  }
}

TEST(NpzWeights, RoundTripRestoresEveryWeight) {
  TempFile file;
  auto source = mlp();
  save_weights_npz(*source, file.path());
  auto target = mlp();
  const auto report = load_weights_npz(*target, file.path());
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty() && report.mismatched.empty());
  expect_weights_eq(target->get_weights(), source->get_weights());
  const Tensor x = Tensor::from_data({1, 4}, {0.5f, -1.f, 2.f, 0.f});
  EXPECT_EQ(target->predict(x).to_vector(), source->predict(x).to_vector());
}

TEST(NpzWeights, StrictMismatchThrowsAndLeavesTheModelUntouched) {
  TempFile file;
  save_weights_npz(*mlp(2), file.path());
  auto target = mlp(3);  // out/W (8, 3) and out/b (3,) against (8, 2) and (2,)
  const auto before = target->get_weights();
  EXPECT_THROW_MSG(
      load_weights_npz(*target, file.path()), ValueError,
      "shape-mismatched out/W (model (8, 3), file (8, 2)), out/b (model (3,), file (2,))");
  expect_weights_eq(target->get_weights(), before);  // hidden/* matched but was not loaded either
}

TEST(NpzWeights, NonStrictLoadsWhatMatchesAndReportsTheRest) {
  TempFile file;
  auto source = mlp();
  const auto w = source->get_weights();
  write_npz(
      file.path(),
      {{"hidden/W", w[0]}, {"out/W", Tensor::zeros({8, 5})}, {"extra/gamma", Tensor::ones({3})}});
  auto target = mlp();
  const auto before = target->get_weights();
  const auto report = load_weights_npz(*target, file.path(), /*strict=*/false);
  EXPECT_EQ(report.missing, (std::vector<std::string>{"hidden/b", "out/b"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"extra/gamma"}));
  EXPECT_EQ(report.mismatched, (std::vector<std::string>{"out/W (model (8, 2), file (8, 5))"}));
  const auto after = target->get_weights();
  EXPECT_EQ(after[0].to_vector(), w[0].to_vector());  // loaded
  for (std::size_t i = 1; i < 4; ++i)
    EXPECT_EQ(after[i].to_vector(), before[i].to_vector()) << "weight " << i;
}

TEST(NpzWeights, KerasVariableNamesLoad) {
  // np.savez(path, **{w.name: K.get_value(w) for w in model.weights}) with Keras 1's names.
  TempFile file;
  auto source = mlp();
  const auto w = source->get_weights();
  write_npz(file.path(),
            {{"hidden_W", w[0]}, {"hidden_b", w[1]}, {"out_W", w[2]}, {"out_b", w[3]}});
  auto target = mlp();
  const auto report = load_weights_npz(*target, file.path());
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty() && report.mismatched.empty());
  expect_weights_eq(target->get_weights(), w);
}

TEST(NpzWeights, SlashKeyWinsOverKerasNameWhichIsThenUnexpected) {
  TempFile file;
  auto source = mlp();
  const auto w = source->get_weights();
  write_npz(file.path(), {{"hidden/W", w[0]},
                          {"hidden_W", Tensor::zeros({4, 8})},
                          {"hidden/b", w[1]},
                          {"out/W", w[2]},
                          {"out/b", w[3]}});
  auto target = mlp();
  const auto report = load_weights_npz(*target, file.path(), /*strict=*/false);
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"hidden_W"}));
  expect_weights_eq(target->get_weights(), w);
}

TEST(NpzWeights, DamagedFileIsAnIOError) {
  TempFile file;
  write_bytes(file.path(), "garbage that is no archive at all, of some length........");
  auto model = mlp();
  EXPECT_THROW_MSG(load_weights_npz(*model, file.path()), IOError, "not a zip archive");
}

}  // namespace
}  // namespace keel
