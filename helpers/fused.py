"""Keras' layers and optimizer computed with fewer or faster TensorFlow ops, same arithmetic.

Each class is a drop-in subclass of its Keras namesake (the same weights, checkpoints and
`get_config`) that takes Keras' own path outside the case it speeds up; `tests/test_fused.py`
checks each against Keras: outputs, every gradient, and the state it updates.

- `Conv2DTranspose`: the stride-1 form as the convolution it equals; in bfloat16 on a CPU, its
  filter gradient as a convolution with the batch as channels.
- `BatchNormalization`: training mode as TensorFlow's fused kernel, in the compute dtype.
- `Adam`: each update as TensorFlow's fused kernel (ResourceApplyAdam).

The DCGAN's step at the paper's widths uses all three (benchmarks/profile_dcgan_step.py says
where its time goes); the VAE and the VAE-GAN train with `Adam`.
"""

from __future__ import annotations

import keras
import tensorflow as tf


class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """Keras' transposed convolution whose stride-1 form is computed as the convolution it
    equals: the kernel flipped in space and its two channel axes swapped.

    A stride-1 transposed convolution with "same" padding and an odd kernel scatters each input
    pixel through the kernel; gathering through the mirrored kernel gives every output the same
    products, and the same sums. The weights and their shape stay Keras' (checkpoints load
    either way); only the ops differ: TensorFlow's filter gradient of a transposed convolution
    cost 4x its forward pass on a CPU, the convolution's about 2x
    (benchmarks/profile_dcgan_step.py). Other strides, paddings and layouts take Keras' path.

    In bfloat16 on a CPU the filter gradient is computed as one forward convolution with the
    batch as its channels (`_filter_gradient`): oneDNN's bfloat16 filter-gradient kernel ran
    at a third of its forward speed on these 7x7 maps (12.8 against 4.6 ms at the paper's
    widths on an AMX Xeon), the forward convolution of the swapped layout at 9.0 ms. In
    float32 TensorFlow's kernel is the faster (22 against 34 ms), so it stays.
    """

    def call(self, inputs):
        as_convolution = (
            tuple(self.strides) == (1, 1) and tuple(self.dilation_rate) == (1, 1)
            and self.padding == "same" and self.data_format == "channels_last"
            and all(size % 2 for size in self.kernel_size) and self.output_padding is None
        )  # fmt: skip
        if not as_convolution:
            return super().call(inputs)
        kernel = tf.cast(self.kernel, inputs.dtype)  # [kh, kw, out, in]
        mirrored = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])
        if inputs.dtype == tf.bfloat16 and not tf.config.list_logical_devices("GPU"):
            outputs = _same_convolution(inputs, mirrored)
        else:
            outputs = tf.nn.conv2d(inputs, mirrored, strides=1, padding="SAME")
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, tf.cast(self.bias, outputs.dtype))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


@tf.custom_gradient
def _same_convolution(inputs, kernel):
    """tf.nn.conv2d(inputs, kernel, 1, "SAME") for an odd kernel, whose filter gradient is
    `_filter_gradient`; the input gradient is TensorFlow's (a transposed convolution).

    In a graph the gradient's ops are named as TensorFlow names its own, gradient_tape/ then
    the forward op's scope (e.g. gradient_tape/generator/deconv1/), so that a profile charges
    them to the layer they belong to (benchmarks/profile_dcgan_step.py)."""
    outputs = tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME")
    scope = tf.compat.v1.get_default_graph().get_name_scope()

    def gradient(upstream):
        with tf.name_scope(f"gradient_tape/{scope}/" if scope else "gradient_tape"):
            input_gradient = tf.nn.conv2d_transpose(
                upstream, kernel, tf.shape(inputs), strides=1, padding="SAME"
            )
            return input_gradient, _filter_gradient(inputs, upstream, kernel.shape)

    return outputs, gradient


def _filter_gradient(inputs, upstream, kernel_shape):
    """d loss / d kernel of a stride-1 "same" convolution with an odd [kh, kw, in, out] kernel:

        dW[a, b, i, o] = sum over n, y, x of padded[n, y + a, x + b, i] * upstream[n, y, x, o],

    which is a "valid" convolution of the padded inputs, laid out [in, height, width, batch]
    (the batch as channels), with the upstream gradient as its kernel [height, width, batch,
    out]: its output [in, kh, kw, out] is dW with the first axis moved."""
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    padded = tf.pad(inputs, [[0, 0], [kh // 2, kh // 2], [kw // 2, kw // 2], [0, 0]])
    swapped = tf.nn.conv2d(
        tf.transpose(padded, [3, 1, 2, 0]),
        tf.transpose(upstream, [1, 2, 0, 3]),
        strides=1,
        padding="VALID",
    )
    return tf.transpose(swapped, [1, 2, 0, 3])


class BatchNormalization(keras.layers.BatchNormalization):
    """Keras' batch norm, computed in training by TensorFlow's fused kernel (FusedBatchNormV3:
    one op forward, one backward, oneDNN on a CPU) in the layer's compute dtype.

    The same layer, weights and arithmetic as `keras.layers.BatchNormalization` — normalise
    by the batch's mean and biased variance per channel, scale by gamma, shift by beta, move the
    running statistics by `momentum` — but Keras computes it from a dozen element-wise ops in
    float32, casting bfloat16 activations up and back down, which under mixed bfloat16 cost
    about a fifth of a DCGAN step (benchmarks/profile_dcgan_step.py). The fused kernel reads
    bfloat16 directly and keeps its statistics in float32. Inference (training=False), masks
    and inputs that are not NHWC images over the last axis take Keras' own path.
    """

    def call(self, inputs, training=None, mask=None):
        fused = (
            training and self.trainable and mask is None and len(inputs.shape) == 4
            and self.axis in (3, -1) and self.scale and self.center  # NHWC, gamma and beta
        )  # fmt: skip
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs,
            tf.cast(self.gamma, tf.float32),
            tf.cast(self.beta, tf.float32),
            epsilon=self.epsilon,
            is_training=True,
            data_format="NHWC",
        )
        # the kernel returns the unbiased (Bessel-corrected) variance for the running
        # statistics; Keras moves them by the biased one, as it normalises
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
        variance = variance * (count - 1.0) / count
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum)
        )
        return outputs


class Adam(keras.optimizers.Adam):
    """Keras' Adam whose update of each variable is TensorFlow's fused kernel (ResourceApplyAdam:
    one op instead of Keras' nine element-wise ones), with the same moments and arithmetic:

        m <- beta_1 m + (1 - beta_1) g,  v <- beta_2 v + (1 - beta_2) g^2,
        w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon).

    Variables, checkpoints and `get_config` are Keras'; amsgrad takes Keras' own path.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype),
            beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )
