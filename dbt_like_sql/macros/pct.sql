{#- Whole percent rounded half-up (as the report prints it), NULL when the denominator is 0.

    floor((200n + d) / 2d) = floor(100n/d + 1/2), in integer arithmetic only: ROUND and CAST of a
    fraction differ between SQLite and PostgreSQL, integer division does not. The casts only make
    PostgreSQL divide as integers when a count arrives as NUMERIC (its SUM of a BIGINT column);
    counts are whole numbers, so the casts never round anything. -#}
{% macro pct(numerator, denominator) -%}
case when cast({{ denominator }} as bigint) > 0 then (200 * cast({{ numerator }} as bigint) + cast({{ denominator }} as bigint)) / (2 * cast({{ denominator }} as bigint)) end
{%- endmacro %}
