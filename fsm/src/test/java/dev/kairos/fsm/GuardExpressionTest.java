package dev.kairos.fsm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.fsm.internal.GuardExpression;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The guard language: what each operator means, and where syntax errors are reported. */
class GuardExpressionTest {

    static final JsonNode ROOT = json("""
            {"data": {"total": 120, "name": "Ada", "slots": {"size": "L", "count": 0}, "flag": true, "empty": ""},
             "slots": {"size": "L", "count": 0},
             "event": {"name": "pay", "data": {"amount": 2.5}}}
            """);

    static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "slots.size != null                    ; true",
            "slots.colour != null                  ; false",
            "slots.colour == null                  ; true",
            "data.total > 100                      ; true",
            "data.total >= 120 && data.total <= 120 ; true",
            "data.total < 100 || data.name == 'Ada' ; true",
            "!(data.total > 100)                   ; false",
            "!data.flag                            ; false",
            "data.empty                            ; false",
            "slots.count                           ; false",
            "event.name == \"pay\" && event.data.amount == 2.50 ; true",
            "event.data.amount > -1                ; true",
            "data.name > 100                       ; false",
            "data.name < 'B'                       ; true",
            "data.missing.deeper == null           ; true",
            "true || false && false                ; true",
            "(true || false) && false              ; false",
    })
    void evaluates(String expression, boolean expected) {
        assertEquals(expected, GuardExpression.parse(expression).test(ROOT), expression);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            "data.total >       ; 12 ; expression ends too early",
            "total > 3          ; 0  ; unknown name 'total': paths start with data, slots or event",
            "data.total > 3 )   ; 15 ; unexpected ')'",
            "(data.total > 3    ; 15 ; missing ')'",
            "data. > 3          ; 5  ; expected a field name after '.'",
            "'open              ; 0  ; unterminated text literal",
            "data.x = 3         ; 7  ; unexpected '='",
            "System.exit(0)     ; 0  ; unknown name 'System': paths start with data, slots or event",
    })
    void rejectsBadSyntaxWithTheOffset(String expression, int offset, String message) {
        GuardExpression.SyntaxError e = assertThrows(GuardExpression.SyntaxError.class, () -> GuardExpression.parse(expression));
        assertEquals(message, e.getMessage());
        assertEquals(offset, e.offset());
    }

    @Test
    void listsThePathsItReads() {
        assertEquals(List.of(List.of("slots", "size"), List.of("data", "a", "b")),
                GuardExpression.parse("slots.size != null && !(data.a.b > 2)").paths());
    }
}
