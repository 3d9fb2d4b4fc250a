// keel: the Keras 1 convolution family in C++20 on oneDNN, with a tape-based autograd.
// This umbrella header brings in the whole public API.
#pragma once

#include "keel/autograd/gradcheck.h"
#include "keel/autograd/ops.h"
#include "keel/autograd/tape.h"
#include "keel/autograd/variable.h"
#include "keel/core/allocator.h"
#include "keel/core/config.h"
#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/primitive_cache.h"
#include "keel/core/random.h"
#include "keel/core/shape.h"
#include "keel/core/tensor.h"
#include "keel/core/tensor_ops.h"
#include "keel/proto/tensor_io.h"
