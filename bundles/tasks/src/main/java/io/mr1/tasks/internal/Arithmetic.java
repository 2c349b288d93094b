package io.mr1.tasks.internal;

/**
 * Evaluates the arithmetic that geometry answers are written in: numbers, {@code + - * /}
 * (also {@code × ÷ · \times \cdot}), parentheses and braces, {@code \frac{a}{b}},
 * square roots ({@code √3}, {@code √{3}}, {@code \sqrt{3}}), {@code π} / {@code \pi} and
 * implicit multiplication ({@code 2√3}, {@code \frac{3}{2}√{3}}). No variables, no powers:
 * an answer that needs them is not a plain value. One instance reads one text.
 */
final class Arithmetic {

    /** Thrown inside the parser only; {@link #value} turns it into null. */
    private static final class SyntaxError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SyntaxError() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private int pos;

    /**
     * @param text the expression, without whitespace
     */
    Arithmetic(String text) {
        this.text = text;
    }

    /** @return the value, or null when the text is not an expression of this grammar */
    Double value() {
        try {
            double v = sum();
            return pos == text.length() ? v : null;
        } catch (SyntaxError e) {
            return null;
        }
    }

    private double sum() {
        double v = product();
        while (true) {
            if (eat("+")) {
                v += product();
            } else if (eat("-")) {
                v -= product();
            } else {
                return v;
            }
        }
    }

    private double product() {
        double v = signed();
        while (true) {
            if (eat("*") || eat("×") || eat("·") || eat("\\times") || eat("\\cdot")) {
                v *= signed();
            } else if (eat("/") || eat("÷")) {
                v /= signed();
            } else if (startsOperand()) {
                v *= operand();
            } else {
                return v;
            }
        }
    }

    private double signed() {
        if (eat("-")) {
            return -signed();
        }
        return operand();
    }

    private boolean startsOperand() {
        if (pos >= text.length()) {
            return false;
        }
        char c = text.charAt(pos);
        return Character.isDigit(c) || c == '(' || c == '{' || c == '√' || c == 'π' || text.startsWith("\\sqrt", pos)
                || text.startsWith("\\pi", pos) || text.startsWith("\\frac", pos);
    }

    private double operand() {
        if (eat("(")) {
            return closedBy(")");
        }
        if (eat("{")) {
            return closedBy("}");
        }
        if (eat("\\frac")) {
            expect("{");
            double numerator = closedBy("}");
            expect("{");
            return numerator / closedBy("}");
        }
        if (eat("√") || eat("\\sqrt")) {
            // The radicand is a group or a bare number: √3, √{3}, \sqrt{3}, √(3).
            return Math.sqrt(pos < text.length() && Character.isDigit(text.charAt(pos)) ? number() : operandGroup());
        }
        if (eat("π") || eat("\\pi")) {
            return Math.PI;
        }
        return number();
    }

    private double operandGroup() {
        if (eat("(")) {
            return closedBy(")");
        }
        expect("{");
        return closedBy("}");
    }

    private double closedBy(String close) {
        double v = sum();
        expect(close);
        return v;
    }

    private double number() {
        int start = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos < text.length() && text.charAt(pos) == '.' && pos > start) {
            pos++;
            int fraction = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            if (pos == fraction) {
                throw new SyntaxError();
            }
        }
        if (pos == start) {
            throw new SyntaxError();
        }
        return Double.parseDouble(text.substring(start, pos));
    }

    private boolean eat(String token) {
        if (text.startsWith(token, pos)) {
            pos += token.length();
            return true;
        }
        return false;
    }

    private void expect(String token) {
        if (!eat(token)) {
            throw new SyntaxError();
        }
    }
}
