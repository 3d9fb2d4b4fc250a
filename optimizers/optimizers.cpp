#include "keel/optimizers/optimizers.h"

#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <string>

#include "keel/core/context.h"
#include "keel/core/error.h"

namespace keel::optimizers {
namespace {

// keel is compiled with -fno-math-errno (CMakeLists.txt), so this vectorises in the fused loops.
float root(float x) { return std::sqrt(x); }

// One fused element-wise pass: body(i) for i in [0, n), vectorised, and spread over keel's
// OpenMP threads when n >= threshold. Each thread copies `body` so that its captured scalars
// and pointers are locals the vectoriser keeps in registers.
template <class Body>
void fused(std::int64_t n, std::int64_t threshold, const Body& body) {
#pragma omp parallel num_threads(keel::num_threads()) if (n >= threshold)
  {
    const Body local = body;
#pragma omp for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) local(i);
  }
}

float f32(double v) { return static_cast<float>(v); }

// --- config reading -------------------------------------------------------------------------

// The keyword arguments of one optimizer's config: rejects unknown keys and wrong types.
class Args {
 public:
  Args(std::string_view who, const Config& c, std::initializer_list<const char*> known)
      : who_(who), c_(c) {
    std::string expected;
    for (const char* k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
    if (c.is_null()) return;
    if (!c.is_object())
      throw ValueError(who_ + ": the config must be an object of keyword arguments (" +
                       expected + "), got " + c.dump());
    for (const auto& [key, value] : c.items()) {
      bool ok = false;
      for (const char* k : known) ok |= key == k;
      if (!ok)
        throw ValueError(who_ + ": unexpected argument '" + key + "', expected one of " +
                         expected);
    }
  }

  void read(const char* key, float& out) const {
    if (!c_.is_object() || !c_.contains(key)) return;
    const Config& v = c_.at(key);
    if (!v.is_number() || v.is_boolean())
      throw ValueError(who_ + ": " + key + " is " + v.dump() + ", expected a number");
    out = v.get<float>();
  }

  void read(const char* key, bool& out) const {
    if (!c_.is_object() || !c_.contains(key)) return;
    const Config& v = c_.at(key);
    if (!v.is_boolean())
      throw ValueError(who_ + ": " + key + " is " + v.dump() + ", expected true or false");
    out = v.get<bool>();
  }

 private:
  std::string who_;
  const Config& c_;
};

struct Known {
  std::string_view name;
  std::string_view class_name;
  std::function<std::shared_ptr<Optimizer>(const Config&)> make;
};

const std::array<Known, 7>& known() {
  static const std::array<Known, 7> k = {{
      {"sgd", "SGD",
       [](const Config& c) {
         SGDOptions o;
         const Args a("SGD", c, {"lr", "momentum", "decay", "nesterov", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("momentum", o.momentum), a.read("decay", o.decay);
         a.read("nesterov", o.nesterov), a.read("clipnorm", o.clipnorm);
         a.read("clipvalue", o.clipvalue);
         return std::make_shared<SGD>(o);
       }},
      {"rmsprop", "RMSprop",
       [](const Config& c) {
         RMSpropOptions o;
         const Args a("RMSprop", c, {"lr", "rho", "epsilon", "decay", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("rho", o.rho), a.read("epsilon", o.epsilon);
         a.read("decay", o.decay), a.read("clipnorm", o.clipnorm);
         a.read("clipvalue", o.clipvalue);
         return std::make_shared<RMSprop>(o);
       }},
      {"adagrad", "Adagrad",
       [](const Config& c) {
         AdagradOptions o;
         const Args a("Adagrad", c, {"lr", "epsilon", "decay", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("epsilon", o.epsilon), a.read("decay", o.decay);
         a.read("clipnorm", o.clipnorm), a.read("clipvalue", o.clipvalue);
         return std::make_shared<Adagrad>(o);
       }},
      {"adadelta", "Adadelta",
       [](const Config& c) {
         AdadeltaOptions o;
         const Args a("Adadelta", c, {"lr", "rho", "epsilon", "decay", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("rho", o.rho), a.read("epsilon", o.epsilon);
         a.read("decay", o.decay), a.read("clipnorm", o.clipnorm);
         a.read("clipvalue", o.clipvalue);
         return std::make_shared<Adadelta>(o);
       }},
      {"adam", "Adam",
       [](const Config& c) {
         AdamOptions o;
         const Args a("Adam", c,
                      {"lr", "beta_1", "beta_2", "epsilon", "decay", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("beta_1", o.beta_1), a.read("beta_2", o.beta_2);
         a.read("epsilon", o.epsilon), a.read("decay", o.decay);
         a.read("clipnorm", o.clipnorm), a.read("clipvalue", o.clipvalue);
         return std::make_shared<Adam>(o);
       }},
      {"adamax", "Adamax",
       [](const Config& c) {
         AdamaxOptions o;
         const Args a("Adamax", c,
                      {"lr", "beta_1", "beta_2", "epsilon", "decay", "clipnorm", "clipvalue"});
         a.read("lr", o.lr), a.read("beta_1", o.beta_1), a.read("beta_2", o.beta_2);
         a.read("epsilon", o.epsilon), a.read("decay", o.decay);
         a.read("clipnorm", o.clipnorm), a.read("clipvalue", o.clipvalue);
         return std::make_shared<Adamax>(o);
       }},
      {"nadam", "Nadam",
       [](const Config& c) {
         NadamOptions o;
         const Args a("Nadam", c,
                      {"lr", "beta_1", "beta_2", "epsilon", "schedule_decay", "clipnorm",
                       "clipvalue"});
         a.read("lr", o.lr), a.read("beta_1", o.beta_1), a.read("beta_2", o.beta_2);
         a.read("epsilon", o.epsilon), a.read("schedule_decay", o.schedule_decay);
         a.read("clipnorm", o.clipnorm), a.read("clipvalue", o.clipvalue);
         return std::make_shared<Nadam>(o);
       }},
  }};
  return k;
}

const Known& find_known(std::string_view name) {
  for (const Known& k : known())
    if (k.name == name || k.class_name == name) return k;
  std::string names;
  for (const Known& k : known()) names += (names.empty() ? "" : ", ") + std::string(k.name);
  for (const Known& k : known()) names += ", " + std::string(k.class_name);
  throw ValueError("optimizer '" + std::string(name) + "' is not one of " + names);
}

}  // namespace

// --- SGD ------------------------------------------------------------------------------------

SGD::SGD(SGDOptions o)
    : Optimizer({"SGD", o.lr, o.decay, /*has_decay=*/true, /*always_counts=*/false, o.clipnorm,
                 o.clipvalue,
                 o.momentum > 0.f ? std::vector<std::string>{"moment"}
                                  : std::vector<std::string>{}}),
      o_(o) {
  require_unit_interval("momentum", o.momentum);
}

std::shared_ptr<Optimizer> SGD::clone() const { return std::make_shared<SGD>(*this); }

void SGD::begin_step(const Step& step) { lr_t_ = f32(step.lr_t); }

void SGD::update(float* p, const float* g, float* const* s, std::int64_t n, GradClip clip) const {
  const float lr = lr_t_;
  if (!(o_.momentum > 0.f)) {
    // v = 0*m - lr*g = -(lr*g); p + v, and with nesterov (p + 0*v) - lr*g: the same floats.
    fused(n, kParallelThreshold, [=](std::int64_t i) { p[i] = p[i] - lr * clip(g[i]); });
    return;
  }
  const float mu = o_.momentum;
  float* m = s[0];
  if (o_.nesterov) {
    fused(n, kParallelThreshold, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float v = mu * m[i] - lr * gi;
      m[i] = v;
      p[i] = p[i] + mu * v - lr * gi;
    });
  } else {
    fused(n, kParallelThreshold, [=](std::int64_t i) {
      const float v = mu * m[i] - lr * clip(g[i]);
      m[i] = v;
      p[i] = p[i] + v;
    });
  }
}

Config SGD::own_config() const {
  return {{"momentum", o_.momentum}, {"nesterov", o_.nesterov}};
}

// --- RMSprop --------------------------------------------------------------------------------

RMSprop::RMSprop(RMSpropOptions o)
    : Optimizer({"RMSprop", o.lr, o.decay, true, false, o.clipnorm, o.clipvalue,
                 {"accumulator"}}),
      o_(o) {
  require_unit_interval("rho", o.rho);
  require_nonneg("epsilon", o.epsilon);
}

std::shared_ptr<Optimizer> RMSprop::clone() const { return std::make_shared<RMSprop>(*this); }

void RMSprop::begin_step(const Step& step) { lr_t_ = f32(step.lr_t); }

void RMSprop::update(float* p, const float* g, float* const* s, std::int64_t n,
                     GradClip clip) const {
  const float lr = lr_t_, rho = o_.rho, one_minus_rho = 1.f - o_.rho, eps = o_.epsilon;
  float* a = s[0];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float ai = rho * a[i] + one_minus_rho * (gi * gi);
    a[i] = ai;
    p[i] = p[i] - lr * gi / (root(ai) + eps);
  });
}

Config RMSprop::own_config() const { return {{"rho", o_.rho}, {"epsilon", o_.epsilon}}; }

// --- Adagrad --------------------------------------------------------------------------------

Adagrad::Adagrad(AdagradOptions o)
    : Optimizer({"Adagrad", o.lr, o.decay, true, false, o.clipnorm, o.clipvalue,
                 {"accumulator"}}),
      o_(o) {
  require_nonneg("epsilon", o.epsilon);
}

std::shared_ptr<Optimizer> Adagrad::clone() const { return std::make_shared<Adagrad>(*this); }

void Adagrad::begin_step(const Step& step) { lr_t_ = f32(step.lr_t); }

void Adagrad::update(float* p, const float* g, float* const* s, std::int64_t n,
                     GradClip clip) const {
  const float lr = lr_t_, eps = o_.epsilon;
  float* a = s[0];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float ai = a[i] + gi * gi;
    a[i] = ai;
    p[i] = p[i] - lr * gi / (root(ai) + eps);
  });
}

Config Adagrad::own_config() const { return {{"epsilon", o_.epsilon}}; }

// --- Adadelta -------------------------------------------------------------------------------

Adadelta::Adadelta(AdadeltaOptions o)
    : Optimizer({"Adadelta", o.lr, o.decay, true, false, o.clipnorm, o.clipvalue,
                 {"accumulator", "delta_accumulator"}}),
      o_(o) {
  require_unit_interval("rho", o.rho);
  require_nonneg("epsilon", o.epsilon);
}

std::shared_ptr<Optimizer> Adadelta::clone() const { return std::make_shared<Adadelta>(*this); }

void Adadelta::begin_step(const Step& step) { lr_t_ = f32(step.lr_t); }

void Adadelta::update(float* p, const float* g, float* const* s, std::int64_t n,
                      GradClip clip) const {
  const float lr = lr_t_, rho = o_.rho, one_minus_rho = 1.f - o_.rho, eps = o_.epsilon;
  float* a = s[0];
  float* d = s[1];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float ai = rho * a[i] + one_minus_rho * (gi * gi);
    a[i] = ai;
    const float u = gi * root(d[i] + eps) / root(ai + eps);  // new a, old d
    p[i] = p[i] - lr * u;
    d[i] = rho * d[i] + one_minus_rho * (u * u);
  });
}

Config Adadelta::own_config() const { return {{"rho", o_.rho}, {"epsilon", o_.epsilon}}; }

// --- Adam -----------------------------------------------------------------------------------

Adam::Adam(AdamOptions o)
    : Optimizer({"Adam", o.lr, o.decay, true, true, o.clipnorm, o.clipvalue, {"m", "v"}}), o_(o) {
  require_unit_interval("beta_1", o.beta_1);
  require_unit_interval("beta_2", o.beta_2);
  require_nonneg("epsilon", o.epsilon);
}

std::shared_ptr<Optimizer> Adam::clone() const { return std::make_shared<Adam>(*this); }

void Adam::begin_step(const Step& step) {
  const double t = static_cast<double>(step.t);
  alpha_t_ = f32(step.lr_t * std::sqrt(1.0 - std::pow(double(o_.beta_2), t)) /
                 (1.0 - std::pow(double(o_.beta_1), t)));
}

void Adam::update(float* p, const float* g, float* const* s, std::int64_t n, GradClip clip) const {
  const float alpha = alpha_t_, b1 = o_.beta_1, b2 = o_.beta_2, eps = o_.epsilon;
  const float one_minus_b1 = 1.f - b1, one_minus_b2 = 1.f - b2;
  float* m = s[0];
  float* v = s[1];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float mi = b1 * m[i] + one_minus_b1 * gi;
    const float vi = b2 * v[i] + one_minus_b2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - alpha * mi / (root(vi) + eps);
  });
}

Config Adam::own_config() const {
  return {{"beta_1", o_.beta_1}, {"beta_2", o_.beta_2}, {"epsilon", o_.epsilon}};
}

// --- Adamax ---------------------------------------------------------------------------------

Adamax::Adamax(AdamaxOptions o)
    : Optimizer({"Adamax", o.lr, o.decay, true, true, o.clipnorm, o.clipvalue, {"m", "u"}}),
      o_(o) {
  require_unit_interval("beta_1", o.beta_1);
  require_unit_interval("beta_2", o.beta_2);
  require_nonneg("epsilon", o.epsilon);
}

std::shared_ptr<Optimizer> Adamax::clone() const { return std::make_shared<Adamax>(*this); }

void Adamax::begin_step(const Step& step) {
  alpha_t_ = f32(step.lr_t / (1.0 - std::pow(double(o_.beta_1), static_cast<double>(step.t))));
}

void Adamax::update(float* p, const float* g, float* const* s, std::int64_t n,
                    GradClip clip) const {
  const float alpha = alpha_t_, b1 = o_.beta_1, b2 = o_.beta_2, eps = o_.epsilon;
  const float one_minus_b1 = 1.f - b1;
  float* m = s[0];
  float* u = s[1];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float mi = b1 * m[i] + one_minus_b1 * gi;
    const float ui = std::max(b2 * u[i], std::abs(gi));
    m[i] = mi;
    u[i] = ui;
    p[i] = p[i] - alpha * mi / (ui + eps);
  });
}

Config Adamax::own_config() const {
  return {{"beta_1", o_.beta_1}, {"beta_2", o_.beta_2}, {"epsilon", o_.epsilon}};
}

// --- Nadam ----------------------------------------------------------------------------------

Nadam::Nadam(NadamOptions o)
    : Optimizer({"Nadam", o.lr, 0.f, /*has_decay=*/false, true, o.clipnorm, o.clipvalue,
                 {"m", "v"}}),
      o_(o) {
  require_unit_interval("beta_1", o.beta_1);
  require_unit_interval("beta_2", o.beta_2);
  require_nonneg("epsilon", o.epsilon);
  require_nonneg("schedule_decay", o.schedule_decay);
}

std::shared_ptr<Optimizer> Nadam::clone() const { return std::make_shared<Nadam>(*this); }

void Nadam::begin_step(const Step& step) {
  const double t = static_cast<double>(step.t);
  const double b1 = o_.beta_1, sd = o_.schedule_decay;
  const double mu_t = b1 * (1.0 - 0.5 * std::pow(0.96, t * sd));
  const double mu_t1 = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * sd));
  const double s_new = m_schedule_ * mu_t;
  const double s_next = s_new * mu_t1;
  m_schedule_ = s_new;
  // m_bar = (1 - mu_t) g / (1 - S) + mu_t1 m / (1 - S_next) and v_hat = v / (1 - beta_2^t):
  // the scalar factors are folded in double, leaving one division per element (as Adam).
  g_factor_ = f32((1.0 - mu_t) / (1.0 - s_new));
  m_factor_ = f32(mu_t1 / (1.0 - s_next));
  v_factor_ = f32(1.0 / (1.0 - std::pow(double(o_.beta_2), t)));
}

void Nadam::update(float* p, const float* g, float* const* s, std::int64_t n,
                   GradClip clip) const {
  const float lr = Optimizer::lr(), b1 = o_.beta_1, b2 = o_.beta_2, eps = o_.epsilon;
  const float one_minus_b1 = 1.f - b1, one_minus_b2 = 1.f - b2;
  const float g_factor = g_factor_, m_factor = m_factor_, v_factor = v_factor_;
  float* m = s[0];
  float* v = s[1];
  fused(n, kParallelThreshold, [=](std::int64_t i) {
    const float gi = clip(g[i]);
    const float mi = b1 * m[i] + one_minus_b1 * gi;
    const float vi = b2 * v[i] + one_minus_b2 * (gi * gi);
    const float m_bar = g_factor * gi + m_factor * mi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - lr * m_bar / (root(vi * v_factor) + eps);
  });
}

Config Nadam::own_config() const {
  return {{"beta_1", o_.beta_1},
          {"beta_2", o_.beta_2},
          {"epsilon", o_.epsilon},
          {"schedule_decay", o_.schedule_decay}};
}

Config Nadam::extra_scalars() const { return {{"m_schedule", m_schedule_}}; }

void Nadam::check_extra_scalars(const Config& scalars) const {
  const Config& s = scalars.at("m_schedule");
  if (!s.is_number() || s.is_boolean() || !std::isfinite(s.get<double>()))
    fail("state scalar 'm_schedule' is " + s.dump() + ", expected a finite number");
}

void Nadam::set_extra_scalars(const Config& scalars) {
  m_schedule_ = scalars.at("m_schedule").get<double>();
}

// --- by name --------------------------------------------------------------------------------

std::shared_ptr<Optimizer> get(std::string_view name) { return find_known(name).make(Config()); }

std::shared_ptr<Optimizer> from_config(std::string_view class_name, const Config& config) {
  return find_known(class_name).make(config);
}

}  // namespace keel::optimizers
