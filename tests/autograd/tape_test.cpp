// Tape semantics: recording, accumulation, nesting, persistence, release of saved tensors.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include "test_util.h"

namespace keel {
namespace {

Variable param(std::vector<float> v, const char* name = "") {
  const auto n = static_cast<std::int64_t>(v.size());
  return Variable(Tensor::from_data(Shape{n}, v), true, name);
}

TEST(Tape, GradientOfSquareSum) {
  Variable x = param({1.f, -2.f, 3.f});
  Tape tape;
  Variable y = sum(square(x));
  const Tensor g = tape.gradient(y, x);
  EXPECT_EQ(g.to_vector(), (std::vector<float>{2.f, -4.f, 6.f}));  // d/dx sum x^2 = 2x
}

TEST(Tape, VariableUsedTwiceAccumulates) {
  Variable x = param({3.f});
  Tape tape;
  Variable y = x * x + x;  // dy/dx = 2x + 1 = 7
  EXPECT_FLOAT_EQ(tape.gradient(y, x).item(), 7.f);
}

TEST(Tape, NoActiveTapeRecordsNothing) {
  Variable x = param({1.f, 2.f});
  Variable y = x * 2.f;
  EXPECT_FALSE(y.requires_grad());
  Tape tape;
  EXPECT_EQ(tape.size(), 0u);
  EXPECT_THROW_MSG(tape.gradient(sum(y), x), GradientError, "not recorded");
}

TEST(Tape, NoActiveTapeKeepsNothingAlive) {
  const auto before = allocator_stats().bytes_in_use;
  {
    Variable x(Tensor::ones(Shape{1024, 256}), true);
    Variable y = exp(x);  // would keep y for its backward if recorded
  }
  EXPECT_EQ(allocator_stats().bytes_in_use, before);
}

TEST(Tape, UnrecordedTargetRaises) {
  Variable x = param({1.f});
  Variable outside = x * 3.f;  // computed before the tape existed
  Tape tape;
  EXPECT_THROW_MSG(tape.gradient(outside, x), GradientError, "was not recorded on this tape");
}

TEST(Tape, NoGradGuardStopsRecording) {
  Variable x = param({1.f});
  Tape tape;
  Variable y;
  {
    NoGrad guard;
    y = x * 2.f;
  }
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape.size(), 0u);
  Variable z = x * 2.f;
  EXPECT_TRUE(z.requires_grad());
  EXPECT_EQ(tape.size(), 1u);
}

TEST(Tape, UnconnectedSourceGetsZerosOrRaises) {
  Variable x = param({1.f, 2.f}), w = param({5.f, 6.f}, "w");
  {
    Tape tape;
    auto g = tape.gradient(sum(x * 2.f), {x, w});
    EXPECT_EQ(g[1].to_vector(), (std::vector<float>{0.f, 0.f}));
  }
  Tape tape;
  EXPECT_THROW_MSG(tape.gradient(sum(x * 2.f), {x, w}, {.unconnected = Unconnected::raise}),
                   GradientError, "does not depend on source 'w'");
}

TEST(Tape, NonScalarTargetNeedsOutputGradient) {
  Variable x = param({1.f, 2.f});
  {
    Tape tape;
    Variable y = x * 3.f;
    EXPECT_THROW_MSG(tape.gradient(y, x), GradientError, "explicit output_gradient");
  }
  Tape tape;
  Variable y = x * 3.f;
  const Tensor g =
      tape.gradient(y, x, {.output_gradient = Tensor::from_data(Shape{2}, {1.f, -1.f})});
  EXPECT_EQ(g.to_vector(), (std::vector<float>{3.f, -3.f}));
}

TEST(Tape, OutputGradientOfWrongShapeRaises) {
  Variable x = param({1.f, 2.f});
  Tape tape;
  Variable y = x * 3.f;
  EXPECT_THROW_MSG(tape.gradient(y, x, {.output_gradient = Tensor::ones(Shape{3})}), GradientError,
                   "output_gradient has shape (3,), expected the target's shape (2,)");
}

TEST(Tape, NonPersistentTapeAllowsOneCall) {
  Variable x = param({2.f});
  Tape tape;
  Variable y = square(x);
  tape.gradient(y, x);
  EXPECT_THROW_MSG(tape.gradient(y, x), GradientError, "non-persistent");
}

TEST(Tape, PersistentTapeAllowsSeveralCalls) {
  Variable x = param({2.f});
  Tape tape(/*persistent=*/true);
  Variable y = square(x);
  Variable z = y * 3.f;
  EXPECT_FLOAT_EQ(tape.gradient(y, x).item(), 4.f);
  EXPECT_FLOAT_EQ(tape.gradient(z, x).item(), 12.f);
  EXPECT_FLOAT_EQ(tape.gradient(z, y).item(), 3.f);
}

TEST(Tape, NestedTapesBothRecord) {
  Variable x = param({3.f});
  Tape outer;
  Variable a = x * 2.f;  // only on the outer tape
  Variable b;
  {
    Tape inner;
    b = square(a);  // on both tapes
    EXPECT_EQ(inner.size(), 1u);
    EXPECT_FLOAT_EQ(inner.gradient(b, a).item(), 12.f);  // 2a
  }
  EXPECT_EQ(outer.size(), 2u);
  EXPECT_FLOAT_EQ(outer.gradient(b, x).item(), 24.f);  // 2a * 2
}

TEST(Tape, SavedTensorsAreReleasedDuringBackward) {
  Variable x(Tensor::full(Shape{512, 512}, 0.5f), true);
  const auto before = allocator_stats().bytes_in_use;
  Tape tape;
  Variable y = sum(exp(exp(x)));
  const auto recorded = allocator_stats().bytes_in_use;
  EXPECT_GT(recorded, before);  // the exp outputs are kept for the backward
  Tensor g = tape.gradient(y, x);
  y = Variable();
  // Only the gradient remains (plus nothing the tape kept).
  EXPECT_LE(allocator_stats().bytes_in_use, before + 512 * 512 * sizeof(float));
}

TEST(Tape, SkipsGradientsThatLeadToNoSource) {
  // The gradient for `frozen` is never requested: the op must not be asked for it.
  Variable x = param({1.f, 2.f}), frozen = param({3.f, 4.f});
  Tape tape;
  const auto g = tape.gradient(sum(x * frozen), std::vector<Variable>{x});
  EXPECT_EQ(g[0].to_vector(), (std::vector<float>{3.f, 4.f}));
}

TEST(Tape, SourceMayBeAnIntermediateValue) {
  Variable x = param({2.f});
  Tape tape;
  Variable h = x * 5.f;
  Variable y = square(h);
  const auto g = tape.gradient(y, {h, x});
  EXPECT_FLOAT_EQ(g[0].item(), 20.f);   // 2h
  EXPECT_FLOAT_EQ(g[1].item(), 100.f);  // 2h * 5
}

// on_final: each source's gradient is handed over once, as soon as no earlier op reads it.
TEST(Tape, OnFinalHandsEachGradientOverWhenItIsComplete) {
  Variable w1 = param({2.f}, "w1"), w2 = param({3.f}, "w2"), x = param({5.f}, "x");
  Tape tape;
  Variable h = w1 * x;      // reads w1 (first)
  Variable y = w2 * h * h;  // reads w2 once, h twice
  Variable z = y + w1;      // reads w1 again, later
  std::vector<std::pair<std::size_t, float>> handed;
  GradientOptions o;
  o.on_final = [&](std::size_t i, Tensor g) { handed.emplace_back(i, g.item()); };
  const auto g = tape.gradient(z, {w1, w2}, o);
  ASSERT_EQ(handed.size(), 2u);
  // w2 is final after y's product; w1 only after h = w1 * x (its earliest reader).
  EXPECT_EQ(handed[0], (std::pair<std::size_t, float>{1, 100.f}));               // h^2
  EXPECT_EQ(handed[1], (std::pair<std::size_t, float>{0, 2 * 3 * 10 * 5 + 1}));  // 2 w2 h x + 1
  EXPECT_FALSE(g[0].defined());
  EXPECT_FALSE(g[1].defined());
}

TEST(Tape, OnFinalHandsUnconnectedSourcesOverAsZerosAtTheEnd) {
  Variable x = param({1.f, 2.f}), unused = param({7.f});
  Tape tape;
  Variable y = sum(square(x));
  std::vector<std::size_t> order;
  std::vector<std::vector<float>> values(2);
  GradientOptions o;
  o.on_final = [&](std::size_t i, Tensor g) {
    order.push_back(i);
    values[i] = g.to_vector();
  };
  tape.gradient(y, {unused, x}, o);
  EXPECT_EQ(order, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(values[0], (std::vector<float>{0.f}));
  EXPECT_EQ(values[1], (std::vector<float>{2.f, 4.f}));
}

TEST(Tape, OnFinalMayUpdateTheSourceInPlace) {
  // What a streamed optimizer step does: no later op reads the updated source.
  Variable w1 = param({2.f}, "w1"), w2 = param({3.f}, "w2");
  Variable x(Tensor::from_data(Shape{1}, {4.f}));
  Tape tape;
  Variable y = square(w2 * relu(w1 * x));  // w1 read first, w2 after
  GradientOptions o;
  std::vector<float> seen(2);
  o.on_final = [&](std::size_t i, Tensor g) {
    seen[i] = g.item();
    Variable w = i == 0 ? w1 : w2;
    Tensor v = w.value();
    v.data()[0] -= g.item();
    w.mark_modified();
  };
  tape.gradient(y, {w1, w2}, o);
  EXPECT_FLOAT_EQ(seen[1], 2 * 3 * 8 * 8);      // 2 w2 (w1 x)^2 = 384
  EXPECT_FLOAT_EQ(seen[0], 2 * 3 * 3 * 8 * 4);  // 2 w2^2 (w1 x) x = 576, from the old w2
  EXPECT_FLOAT_EQ(w2.value().item(), 3.f - 384.f);
}

TEST(Tape, DeepChainRunsWithoutRecursion) {
  Variable x = param({1.f});
  Tape tape;
  Variable y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0f;
  EXPECT_FLOAT_EQ(tape.gradient(y, x).item(), 1.f);
}

TEST(Variable, SetValueChecksShape) {
  Variable w(Tensor::zeros(Shape{2, 3}), true, "kernel");
  EXPECT_THROW_MSG(w.set_value(Tensor::zeros(Shape{3, 2})), ShapeError,
                   "Variable 'kernel': set_value got shape (3, 2), expected (2, 3)");
}

TEST(Variable, UndefinedVariableRaises) {
  Variable v;
  EXPECT_FALSE(v.defined());
  EXPECT_THROW_MSG(v.value(), ValueError, "undefined");
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

TEST(Variable, LayoutCopyIsKeptUntilTheValueChanges) {
  // A (2, 3, 4, 4) kernel held as oneDNN's blocked OIhw16i16o-like layout: reordered once.
  Variable w(Tensor::random_uniform({16, 16, 3, 3}), true, "kernel");
  const dnnl::memory::desc blocked({16, 16, 3, 3}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::OIhw16i16o);
  const Tensor first = w.value_in({blocked, {}});
  const Tensor again = w.value_in({blocked, {}});
  EXPECT_EQ(first.buffer(), again.buffer());  // no second reorder
  EXPECT_EQ(first.to_vector(), w.value().to_vector());
  w.mark_modified();  // an in-place update happened
  EXPECT_NE(w.value_in({blocked, {}}).buffer(), first.buffer());
  w.set_value(Tensor::zeros({16, 16, 3, 3}));
  EXPECT_EQ(w.value_in({blocked, {}}).to_vector(), std::vector<float>(16 * 16 * 9, 0.f));
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

// The version counter (autograd/variable.h): an in-place write between recording and backward.
TEST(Variable, MarkModifiedCountsInPlaceWritesAndSetValueDoesNot) {
  Variable w(Tensor::ones({4}), true, "w");
  EXPECT_EQ(w.version(), 0u);
  w.mark_modified();
  w.mark_modified();
  EXPECT_EQ(w.version(), 2u);
  w.set_value(Tensor::zeros({4}));  // a new buffer: what ops saved is intact
  EXPECT_EQ(w.version(), 2u);
}

TEST(Tape, PersistentTapeReusedAfterAnOptimizerUpdateIsAGradientError) {
  // A convolution saves its kernel; SGD then updates the kernel in place.
  layers::Convolution2D conv(2, 3, 3, layers::Convolution2DOptions{.name = "conv_v"});
  Variable x(Tensor::random_uniform({1, 5, 5, 1}), true);
  Tape tape(/*persistent=*/true);
  Variable loss = sum(conv(x));
  const std::vector<Variable> weights = conv.trainable_weights();
  const std::vector<Tensor> g1 = tape.gradient(loss, weights);
  optimizers::SGD sgd({.lr = 0.1f});
  sgd.apply(g1, weights);
  EXPECT_THROW_MSG(tape.gradient(loss, weights), GradientError, "'convolution'");
  EXPECT_THROW_MSG(tape.gradient(loss, weights), GradientError, "'conv_v_W'");
  EXPECT_THROW_MSG(tape.gradient(loss, weights), GradientError, "modified in place");
}

TEST(Tape, AnOpThatDoesNotReadAnInputIgnoresItsInPlaceUpdate) {
  // add's backward reads no input value: an update of b leaves its gradient right.
  Variable a = param({1.f, 2.f});
  Variable b = param({3.f, 4.f}, "b");
  Tape tape(/*persistent=*/true);
  Variable y = sum(a + b);
  (void)tape.gradient(y, {a, b});
  b.mark_modified();
  const std::vector<Tensor> g = tape.gradient(y, {a, b});
  EXPECT_EQ(g[1].to_vector(), (std::vector<float>{1.f, 1.f}));
}

TEST(Tape, GradientBeforeTheUpdateIsUnaffected) {
  // The normal loop: record, gradient, update; the next step records again.
  Variable w = param({2.f}, "w");
  Variable x = param({3.f});
  for (int step = 0; step < 2; ++step) {
    Tape tape;
    Variable y = sum(w * x);
    const Tensor g = tape.gradient(y, w);
    EXPECT_FLOAT_EQ(g.item(), 3.f);
    optimizers::SGD({.lr = 0.5f}).apply({g}, {w});
  }
  EXPECT_FLOAT_EQ(w.item(), 2.f - 2 * 0.5f * 3.f);
}

}  // namespace
}  // namespace keel
