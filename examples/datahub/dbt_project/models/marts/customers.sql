with orders as (
    select customer_id, count(*) as order_count, min(order_date) as first_order_date
    from {{ ref('stg_orders') }}
    group by customer_id
)
select
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    coalesce(o.order_count, 0) as order_count,
    o.first_order_date
from {{ ref('stg_customers') }} as c
left join orders as o on o.customer_id = c.customer_id
