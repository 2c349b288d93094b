package io.mr1.api.task;

/** The kind of answer a task expects, which tells the accuracy reward how to compare. */
public enum AnswerType {
    /** A whole number (visual counting). */
    INTEGER,
    /** A number or simple symbolic expression, possibly with a unit (geometry). */
    NUMERIC_EXPRESSION,
    /** A multiple-choice letter. */
    CHOICE,
    /** Free text compared after normalisation. */
    TEXT
}
