#include <gtest/gtest.h>
#include <keel/core/config.h>
#include <keel/core/error.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace keel {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test under the system temp dir, removed afterwards.
class DimOrderingConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("keel_config_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    file_ = dir_ / "keel.json";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write(const std::string& text) {
    std::ofstream out(file_);
    out << text;
    ASSERT_TRUE(out.good()) << "cannot write " << file_;
  }

  fs::path dir_, file_;
};

TEST_F(DimOrderingConfig, NoEnvAndNoFileIsTf) {
  ASSERT_FALSE(fs::exists(file_));
  EXPECT_EQ(resolve_dim_ordering(nullptr, file_), DimOrdering::tf);
}

TEST_F(DimOrderingConfig, FileSaysTh) {
  write(R"({"image_dim_ordering": "th"})");
  EXPECT_EQ(resolve_dim_ordering(nullptr, file_), DimOrdering::th);
}

TEST_F(DimOrderingConfig, FileSaysTf) {
  write(R"({"image_dim_ordering": "tf", "backend": "keel"})");
  EXPECT_EQ(resolve_dim_ordering(nullptr, file_), DimOrdering::tf);
}

TEST_F(DimOrderingConfig, EnvOverridesTheFile) {
  write(R"({"image_dim_ordering": "th"})");
  EXPECT_EQ(resolve_dim_ordering("tf", file_), DimOrdering::tf);
}

TEST_F(DimOrderingConfig, EnvWithoutFileIsUsed) {
  EXPECT_EQ(resolve_dim_ordering("th", file_), DimOrdering::th);
}

TEST_F(DimOrderingConfig, EmptyEnvValueFallsBackToTheFile) {
  write(R"({"image_dim_ordering": "th"})");
  EXPECT_EQ(resolve_dim_ordering("", file_), DimOrdering::th);
}

TEST_F(DimOrderingConfig, BadEnvValueNamesTheVariableAndValue) {
  EXPECT_THROW_MSG(resolve_dim_ordering("xx", file_), ValueError,
                   "KEEL_DIM_ORDERING: dim_ordering 'xx' is not one of tf, th");
}

TEST_F(DimOrderingConfig, BadEnvValueWinsOverAGoodFile) {
  write(R"({"image_dim_ordering": "th"})");
  EXPECT_THROW_MSG(resolve_dim_ordering("xx", file_), ValueError, "KEEL_DIM_ORDERING");
}

TEST_F(DimOrderingConfig, MalformedJsonIsAnIOErrorNamingTheFile) {
  write(R"({"image_dim_ordering": "th")");  // missing brace
  EXPECT_THROW_MSG(resolve_dim_ordering(nullptr, file_), IOError,
                   file_.string() + ": malformed JSON");
}

TEST_F(DimOrderingConfig, NonObjectJsonIsAnIOErrorNamingTheFile) {
  write(R"(["th"])");
  EXPECT_THROW_MSG(resolve_dim_ordering(nullptr, file_), IOError,
                   file_.string() + ": expected a JSON object, found array");
}

TEST_F(DimOrderingConfig, NumericValueNamesTheFileKeyAndValue) {
  write(R"({"image_dim_ordering": 5})");
  EXPECT_THROW_MSG(resolve_dim_ordering(nullptr, file_), ValueError,
                   file_.string() + ": key 'image_dim_ordering' is 5");
}

TEST_F(DimOrderingConfig, UnknownStringValueNamesTheFileKeyAndValue) {
  write(R"({"image_dim_ordering": "nchw"})");
  EXPECT_THROW_MSG(
      resolve_dim_ordering(nullptr, file_), ValueError,
      file_.string() + ": key 'image_dim_ordering': dim_ordering 'nchw' is not one of tf, th");
}

TEST_F(DimOrderingConfig, FileWithoutTheKeyIsTf) {
  write(R"({"backend": "keel"})");
  EXPECT_EQ(resolve_dim_ordering(nullptr, file_), DimOrdering::tf);
}

TEST(DimOrdering, ParsesAndPrintsTfAndTh) {
  EXPECT_EQ(parse_dim_ordering("tf", "x"), DimOrdering::tf);
  EXPECT_EQ(parse_dim_ordering("th", "x"), DimOrdering::th);
  EXPECT_EQ(to_string(DimOrdering::tf), "tf");
  EXPECT_EQ(to_string(DimOrdering::th), "th");
}

TEST(DimOrdering, ParseIsCaseSensitiveAndNamesWhat) {
  EXPECT_THROW_MSG(parse_dim_ordering("TH", "Conv2D(dim_ordering)"), ValueError,
                   "Conv2D(dim_ordering): dim_ordering 'TH' is not one of tf, th");
}

TEST(DimOrdering, SetDefaultOverridesTheResolvedValue) {
  const DimOrdering saved = default_dim_ordering();
  set_default_dim_ordering(DimOrdering::th);
  EXPECT_EQ(default_dim_ordering(), DimOrdering::th);
  set_default_dim_ordering(DimOrdering::tf);
  EXPECT_EQ(default_dim_ordering(), DimOrdering::tf);
  set_default_dim_ordering(saved);
}

TEST(DimOrdering, DefaultConfigPathIsUnderHome) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) GTEST_SKIP() << "HOME is not set";
  EXPECT_EQ(default_config_path(), fs::path(home) / ".keel" / "keel.json");
}

}  // namespace
}  // namespace keel
