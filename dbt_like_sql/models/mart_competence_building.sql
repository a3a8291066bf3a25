-- One row per grant year and competence-building category q05..q11 (regelverk 5B): figure 5 of
-- the report. n_counties counts the counties that spent money on the category (amount > 0);
-- amount_nok sums what they reported. The grand total as reported (q12) is
-- competence_total_nok in mart_national_summary.

with competence_building as (

    select * from {{ ref('competence_building') }}
    where grant_year = {{ grant_year }}

),

form_questions as (

    select * from {{ ref('form_questions') }}
    where grant_year = {{ grant_year }}

),

categories as (

    -- q05..q11: each competence-building category, in form order, by the report's name for it
    select
        category,
        question_id,
        row_number() over (order by number) as sort_order,
        label

    from form_questions
    where category is not null

),

county_amounts as (

    select
        categories.category,
        case categories.category
            when 'course_leader_hdir' then course_leader_hdir_nok
            when 'course_leader_other' then course_leader_other_nok
            when 'method_courses' then method_courses_nok
            when 'health_communication' then health_communication_nok
            when 'user_involvement' then user_involvement_nok
            when 'external_courses' then external_courses_nok
            when 'other_measures' then other_measures_nok
        end as amount_nok

    from categories
    cross join competence_building

),

spending as (

    select
        categories.category,
        categories.question_id,
        categories.sort_order,
        categories.label,
        sum(case when county_amounts.amount_nok > 0 then 1 else 0 end) as n_counties,
        coalesce(sum(county_amounts.amount_nok), 0) as amount_nok

    from categories
    left join county_amounts on county_amounts.category = categories.category
    group by categories.category, categories.question_id, categories.sort_order, categories.label

),

final as (

    select
        {{ grant_year }} as grant_year,
        category,
        question_id,
        sort_order,
        label,
        n_counties,
        amount_nok

    from spending

)

select * from final
