"""Adversarial training on the embeddings: the fast gradient method of Miyato, Dai and
Goodfellow (2016, "Adversarial training methods for semi-supervised text classification").

Every batch is trained on twice: as it is, and with each text's embedded sequence moved by
the perturbation of L2 norm ``epsilon`` that raises its loss the most to first order,

    r_adv = epsilon * g / ||g||_2,   g = d loss / d embedded   (per text, over all its steps)

and the two losses are summed. The perturbation is added at the model's
:class:`~birnn.modeling.layers.EmbeddingPerturbation` layer, after the embedding (which should
normalise its vectors, ``model.normalize_embeddings``, so that epsilon has a fixed meaning).

The one per-backend module of ``modeling/``: the gradient with respect to an intermediate
tensor needs a backend's own differentiation (``tf.GradientTape`` or ``jax.grad``). The model
builder stays backend-neutral; :func:`train_adversarially` replaces the train step of a built
model instance, so the saved model is the plain functional model serving loads without this
module, and checkpoints, resuming and per-epoch reseeding are the epoch loop's as before.
"""

from __future__ import annotations

import types
from functools import partial

from birnn.modeling.models import PERTURBATION_LAYER

SUPPORTED_BACKENDS = ("tensorflow", "jax")


def train_adversarially(model, epsilon: float):
    """Make ``model.fit`` train on clean + adversarial losses; returns the model."""
    import keras

    try:
        point = model.get_layer(PERTURBATION_LAYER)
    except ValueError:
        raise ValueError(
            f"train.adversarial: fgm needs a text model with an embedding ({model.name} has "
            f"none); set train.adversarial: none"
        ) from None
    dim = model.get_layer("embedding").output_dim
    backend = keras.backend.backend()
    if backend == "tensorflow":
        model.train_step = types.MethodType(
            partial(_tensorflow_train_step, point=point, dim=dim, epsilon=epsilon), model
        )
    elif backend == "jax":
        base = type(model).compute_loss_and_updates
        model.compute_loss_and_updates = types.MethodType(
            partial(_jax_loss_and_updates, point=point, dim=dim, epsilon=epsilon, base=base),
            model,
        )
    else:
        raise ValueError(
            f"train.adversarial: fgm runs on the {' or '.join(SUPPORTED_BACKENDS)} backend, not "
            f"{backend}; set KERAS_BACKEND=tensorflow or train.adversarial: none"
        )
    return model


def adversarial_direction(gradient, epsilon: float):
    """``epsilon`` times the gradient scaled to unit L2 norm per text (over steps and
    dimensions); scaled by its largest entry first so that tiny gradients do not underflow."""
    from keras import ops

    axes = tuple(range(1, len(gradient.shape)))
    largest = ops.max(ops.abs(gradient), axis=axes, keepdims=True) + 1e-12
    scaled = gradient / largest
    norm = ops.sqrt(ops.sum(ops.square(scaled), axis=axes, keepdims=True) + 1e-6)
    return epsilon * scaled / norm


def _tensorflow_train_step(self, data, point, dim: int, epsilon: float):
    """Keras' TensorFlow train step with the adversarial loss added."""
    import keras
    import tensorflow as tf

    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    at_zero = tf.zeros(tf.concat([tf.shape(x), [dim]], axis=0))
    try:
        with tf.GradientTape() as tape:
            with tf.GradientTape() as probe:
                probe.watch(at_zero)
                point.perturbation = at_zero
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            direction = adversarial_direction(probe.gradient(loss, at_zero), epsilon)
            point.perturbation = tf.stop_gradient(direction)
            adversarial_pred = self(x, training=True)
            total = loss + self.compute_loss(x, y, adversarial_pred, sample_weight, training=True)
            # the clean loss is what the epoch reports, comparable with plain training
            self._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
            total = self.optimizer.scale_loss(total)
    finally:
        point.perturbation = None
    gradients = tape.gradient(total, self.trainable_weights)
    self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
    return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)


def _jax_loss_and_updates(
    self,
    trainable_variables,
    non_trainable_variables,
    metrics_variables,
    x,
    y,
    sample_weight,
    training=False,
    optimizer_variables=None,
    *,
    point,
    dim: int,
    epsilon: float,
    base,
):
    """Keras' JAX loss function (stateless, differentiated by ``jax.grad``) with the
    adversarial loss added in training."""
    args = (trainable_variables, non_trainable_variables, metrics_variables, x, y, sample_weight)
    if not training:
        return base(self, *args, training=training, optimizer_variables=optimizer_variables)
    import jax
    import jax.numpy as jnp

    def loss_at(perturbation):
        point.perturbation = perturbation
        try:
            return base(self, *args, training=True, optimizer_variables=optimizer_variables)
        finally:
            point.perturbation = None

    (loss, aux), gradient = jax.value_and_grad(loss_at, has_aux=True)(
        jnp.zeros((*x.shape, dim), dtype="float32")
    )
    direction = jax.lax.stop_gradient(adversarial_direction(gradient, epsilon))
    adversarial_loss, _ = loss_at(direction)
    # aux (the clean loss, predictions and variables) is what Keras reports and keeps
    return loss + adversarial_loss, aux
