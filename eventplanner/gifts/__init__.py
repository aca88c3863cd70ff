"""The gifts register: gifts given to and received from clients, per contact or company,
with a workspace's yearly limit per recipient (anti-bribery rules) and a yearly list for
an audit."""
