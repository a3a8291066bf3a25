-- One row per grant year, scope (national or county), metric and criterion, compared with the
-- grant year before (when the warehouse has it). Counties are folded back into the 2023 structure
-- (counties.county_2023), so 2024's 15 counties compare with 2023's 11.
--
-- Reads grant years Y-1 and Y (mart_trends.yml: meta: earlier_grant_years: 1, which is also Dagster's partition
-- mapping and all the runner lets ref() see): the partition holds year Y's rows, each with year
-- Y-1's value beside it. County-level sums and criterion percentages are
-- recomputed from summed counts on the common basis; national figures are the published ones
-- (mart_national_summary, mart_attainment) except the four that depend on the county structure
-- (n_counties, min/max_projects_per_county, n_counties_competence_used), recomputed on it.

with counties as (

    select * from {{ ref('counties') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

county_summary as (

    select * from {{ ref('mart_county_summary') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

attainment_by_county as (

    select * from {{ ref('mart_attainment_by_county') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

national_summary as (

    select * from {{ ref('mart_national_summary') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

attainment as (

    select * from {{ ref('mart_attainment') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

competence_building as (

    select * from {{ ref('competence_building') }}
    where grant_year between {{ first_grant_year_read }} and {{ grant_year }}

),

county_totals as (

    select
        county_summary.grant_year,
        counties.county_2023,
        sum(county_summary.n_projects) as n_projects,
        sum(county_summary.n_intercommunal) as n_intercommunal,
        sum(county_summary.granted_nok) as granted_nok,
        sum(county_summary.competence_nok) as competence_nok,
        sum(county_summary.allocation_nok) as allocation_nok,
        sum(county_summary.unspent_nok) as unspent_nok

    from county_summary
    inner join counties
        on counties.grant_year = county_summary.grant_year
        and counties.county = county_summary.county
    group by county_summary.grant_year, counties.county_2023

),

competence_totals as (

    select
        competence_building.grant_year,
        counties.county_2023,
        max(case when competence_building.competence_used = true then 1 else 0 end) as competence_used

    from competence_building
    inner join counties
        on counties.grant_year = competence_building.grant_year
        and counties.county = competence_building.county
    group by competence_building.grant_year, counties.county_2023

),

attainment_totals as (

    select
        attainment_by_county.grant_year,
        counties.county_2023,
        attainment_by_county.criterion_no,
        max(attainment_by_county.criterion) as criterion,
        sum(attainment_by_county.n_projects) as n_projects,
        sum(attainment_by_county.n_with_goal) as n_with_goal,
        sum(attainment_by_county.n_ja) as n_ja

    from attainment_by_county
    inner join counties
        on counties.grant_year = attainment_by_county.grant_year
        and counties.county = attainment_by_county.county
    group by attainment_by_county.grant_year, counties.county_2023, attainment_by_county.criterion_no

),

basis_figures as (

    select
        county_totals.grant_year,
        sum(case when county_totals.n_projects > 0 then 1 else 0 end) as n_counties,
        min(case when county_totals.n_projects > 0 then county_totals.n_projects end) as min_projects_per_county,
        max(county_totals.n_projects) as max_projects_per_county,
        sum(coalesce(competence_totals.competence_used, 0)) as n_counties_competence_used

    from county_totals
    left join competence_totals
        on competence_totals.grant_year = county_totals.grant_year
        and competence_totals.county_2023 = county_totals.county_2023
    group by county_totals.grant_year

),

county_metrics (metric) as (

    values ('n_projects'), ('n_intercommunal'), ('granted_nok'), ('competence_nok'), ('allocation_nok'),
        ('unspent_nok')

),

basis_metrics (metric) as (

    values ('n_counties'), ('min_projects_per_county'), ('max_projects_per_county'),
        ('n_counties_competence_used')

),

criterion_metrics (metric) as (

    values ('n_with_goal'), ('pct_with_goal'), ('n_ja'), ('pct_ja_of_goal')

),

county_values as (

    select
        county_totals.grant_year,
        'county' as scope,
        county_totals.county_2023,
        county_metrics.metric,
        cast(null as integer) as criterion_no,
        cast(null as text) as criterion,
        case county_metrics.metric
            when 'n_projects' then county_totals.n_projects
            when 'n_intercommunal' then county_totals.n_intercommunal
            when 'granted_nok' then county_totals.granted_nok
            when 'competence_nok' then county_totals.competence_nok
            when 'allocation_nok' then county_totals.allocation_nok
            when 'unspent_nok' then county_totals.unspent_nok
        end as value

    from county_totals
    cross join county_metrics

),

county_criterion_values as (

    select
        attainment_totals.grant_year,
        'county' as scope,
        attainment_totals.county_2023,
        criterion_metrics.metric,
        attainment_totals.criterion_no,
        attainment_totals.criterion,
        case criterion_metrics.metric
            when 'n_with_goal' then attainment_totals.n_with_goal
            when 'pct_with_goal' then {{ pct('attainment_totals.n_with_goal', 'attainment_totals.n_projects') }}
            when 'n_ja' then attainment_totals.n_ja
            when 'pct_ja_of_goal' then {{ pct('attainment_totals.n_ja', 'attainment_totals.n_with_goal') }}
        end as value

    from attainment_totals
    cross join criterion_metrics

),

national_values as (

    select
        grant_year,
        'national' as scope,
        cast(null as text) as county_2023,
        metric,
        cast(null as integer) as criterion_no,
        cast(null as text) as criterion,
        value

    from national_summary
    where metric not in ('n_counties', 'min_projects_per_county', 'max_projects_per_county',
                         'n_counties_competence_used', 'avg_projects_per_county',
                         'n_counties_competence_not_used')

),

national_basis_values as (

    select
        basis_figures.grant_year,
        'national' as scope,
        cast(null as text) as county_2023,
        basis_metrics.metric,
        cast(null as integer) as criterion_no,
        cast(null as text) as criterion,
        case basis_metrics.metric
            when 'n_counties' then basis_figures.n_counties
            when 'min_projects_per_county' then basis_figures.min_projects_per_county
            when 'max_projects_per_county' then basis_figures.max_projects_per_county
            when 'n_counties_competence_used' then basis_figures.n_counties_competence_used
        end as value

    from basis_figures
    cross join basis_metrics

),

national_criterion_values as (

    select
        attainment.grant_year,
        'national' as scope,
        cast(null as text) as county_2023,
        criterion_metrics.metric,
        attainment.criterion_no,
        attainment.criterion,
        case criterion_metrics.metric
            when 'n_with_goal' then attainment.n_with_goal
            when 'pct_with_goal' then attainment.pct_with_goal
            when 'n_ja' then attainment.n_ja
            when 'pct_ja_of_goal' then attainment.pct_ja_of_goal
        end as value

    from attainment
    cross join criterion_metrics

),

all_values as (

    select * from county_values
    union all select * from county_criterion_values
    union all select * from national_values
    union all select * from national_basis_values
    union all select * from national_criterion_values

),

previous_year as (

    select max(grant_year) as grant_year
    from all_values
    where grant_year < {{ grant_year }}

),

this_year as (

    select * from all_values
    where grant_year = {{ grant_year }}

),

final as (

    select
        this_year.grant_year,
        this_year.scope,
        this_year.county_2023,
        this_year.metric,
        this_year.criterion_no,
        this_year.criterion,
        this_year.value,
        previous_year.grant_year as previous_grant_year,
        previous.value as previous_value,
        this_year.value - previous.value as change

    from this_year
    cross join previous_year
    left join all_values as previous
        on previous.grant_year = previous_year.grant_year
        and previous.scope = this_year.scope
        and coalesce(previous.county_2023, '') = coalesce(this_year.county_2023, '')
        and previous.metric = this_year.metric
        and coalesce(previous.criterion_no, 0) = coalesce(this_year.criterion_no, 0)

)

select * from final
