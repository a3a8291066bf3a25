{#- The generic data tests the models' YAML names under data_tests:, with dbt's semantics: each
    compiles to a SELECT of the failing rows, and the test passes when it returns none. ``model``
    (and ``to``, ``compare_model``) is the relation to read: the runner passes the partition's rows.
    The names and arguments are dbt's (not_null, unique, accepted_values, relationships) and
    dbt_utils' (accepted_range, expression_is_true, unique_combination_of_columns); sums_match is
    this project's: a total equals the sum of the rows it totals. NULLs pass a test unless it is
    about NULLs (not_null), as in dbt. -#}

{% macro test_not_null(model, column_name) -%}
select * from {{ model }} where {{ column_name }} is null
{%- endmacro %}

{% macro test_unique(model, column_name) -%}
select {{ column_name }} as unique_field, count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{%- endmacro %}

{% macro test_accepted_values(model, column_name, values) -%}
select {{ column_name }} as value_field, count(*) as n_records
from {{ model }}
where {{ column_name }} not in ({% for v in values %}'{{ v | string | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
group by {{ column_name }}
{%- endmacro %}

{% macro test_relationships(model, column_name, to, field) -%}
with child as (
    select {{ column_name }} as from_field from {{ model }} where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field from {{ to }}
)
select child.from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{%- endmacro %}

{% macro test_accepted_range(model, column_name, min_value=none, max_value=none) -%}
select * from {{ model }}
where {% if min_value is not none %}{{ column_name }} < {{ min_value }}{% endif %}
{%- if min_value is not none and max_value is not none %} or {% endif %}
{%- if max_value is not none %}{{ column_name }} > {{ max_value }}{% endif %}
{%- endmacro %}

{% macro test_expression_is_true(model, expression) -%}
select * from {{ model }} where not ({{ expression }})
{%- endmacro %}

{% macro test_unique_combination_of_columns(model, combination_of_columns) -%}
select {{ combination_of_columns | join(", ") }}, count(*) as n_records
from {{ model }}
group by {{ combination_of_columns | join(", ") }}
having count(*) > 1
{%- endmacro %}

{#- The column's total over the model's rows (``where``; per ``group_by``) equals the sum of
    ``compare_column`` (default: the same name) over ``compare_model``'s rows (``compare_where``):
    a national row and the county rows it sums. A group on one side only fails. -#}
{% macro test_sums_match(model, column_name, compare_model, compare_column=none, group_by=[], where=none, compare_where=none) -%}
with model_side as (
    select {% for g in group_by %}{{ g }}, {% endfor %}coalesce(sum({{ column_name }}), 0) as total
    from {{ model }}{% if where %} where {{ where }}{% endif %}
    {%- if group_by %} group by {{ group_by | join(", ") }}{% endif %}
),
compare_side as (
    select {% for g in group_by %}{{ g }}, {% endfor %}coalesce(sum({{ compare_column or column_name }}), 0) as total
    from {{ compare_model }}{% if compare_where %} where {{ compare_where }}{% endif %}
    {%- if group_by %} group by {{ group_by | join(", ") }}{% endif %}
)
select {% for g in group_by %}coalesce(model_side.{{ g }}, compare_side.{{ g }}) as {{ g }}, {% endfor -%}
    model_side.total as total, compare_side.total as sum_compared
from model_side
{% if group_by -%}
full outer join compare_side on {% for g in group_by %}model_side.{{ g }} = compare_side.{{ g }}{{ " and " if not loop.last }}{% endfor %}
{%- else -%}
cross join compare_side
{%- endif %}
where case when model_side.total = compare_side.total then 0 else 1 end = 1
{%- endmacro %}
