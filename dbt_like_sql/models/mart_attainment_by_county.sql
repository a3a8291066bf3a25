-- One row per grant year, county and attainment criterion (regelverk point 2, q24..q35).
-- n_with_goal counts Ja + Delvis + Nei: the project had the goal (answer other than 'Ikke
-- aktuelt'); an unanswered criterion is counted in n_unanswered, not as a goal. The answers
-- are counted by criterion number; the criterion is named as the report names it: the
-- questionnaire's corrected label where it has one, else the year's form's header (form_questions).

with project_attainment as (

    select * from {{ ref('project_attainment') }}
    where grant_year = {{ grant_year }}

),

criteria as (

    select criterion_no, coalesce(label, header) as criterion
    from {{ ref('form_questions') }}
    where grant_year = {{ grant_year }} and criterion_no is not null

),

answer_counts as (

    select
        grant_year,
        county,
        criterion_no,
        count(*) as n_projects,
        sum(case when answer = 'Ja' then 1 else 0 end) as n_ja,
        sum(case when answer = 'Delvis' then 1 else 0 end) as n_delvis,
        sum(case when answer = 'Nei' then 1 else 0 end) as n_nei,
        sum(case when answer = 'Ikke aktuelt' then 1 else 0 end) as n_ikke_aktuelt,
        sum(case when answer is null then 1 else 0 end) as n_unanswered

    from project_attainment
    group by grant_year, county, criterion_no

),

with_goal as (

    select
        answer_counts.*,
        criteria.criterion,
        n_ja + n_delvis + n_nei as n_with_goal

    from answer_counts
    inner join criteria on criteria.criterion_no = answer_counts.criterion_no

),

final as (

    select
        grant_year,
        county,
        criterion_no,
        criterion,
        n_projects,
        n_with_goal,
        {{ pct('n_with_goal', 'n_projects') }} as pct_with_goal,
        n_ja,
        n_delvis,
        n_nei,
        n_ikke_aktuelt,
        n_unanswered,
        {{ pct('n_ja', 'n_with_goal') }} as pct_ja_of_goal

    from with_goal

)

select * from final
