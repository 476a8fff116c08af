/**
 * Wake-word enrollment: a new word learned on the device from three to five takes, as a small head
 * on openWakeWord's shared embedding (a task), saved as a task file and detected beside the
 * pre-trained words on one embedding computation per chunk.
 *
 * <p>{@link dev.stapes.models.enroll.Enroller} trains ({@link dev.stapes.models.enroll.Augmenter},
 * {@link dev.stapes.models.enroll.Negatives}, {@link dev.stapes.models.enroll.LogisticHead}),
 * {@link dev.stapes.models.enroll.WakeWordTask} is the file, {@link
 * dev.stapes.models.enroll.EnrolledWords} the detector's heads, {@link
 * dev.stapes.models.enroll.TakeCheck} the per-take checks.
 */
package dev.stapes.models.enroll;
