package dev.stapes.models.kws;

import dev.stapes.models.PipelineEvent;

/**
 * One spoken keyword.
 *
 * @param timeSeconds centre of the one-second window where the smoothed posterior peaked, in
 *     seconds from the start of the stream
 * @param label the keyword, one of {@link KeywordSpotter#LABELS} from index 2 on
 * @param score the peak smoothed posterior, in [0, 1]
 */
public record KeywordDetection(double timeSeconds, String label, float score)
    implements PipelineEvent {}
