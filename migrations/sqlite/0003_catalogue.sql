-- The product catalogue: online services, Azure, and on-premises products.
INSERT INTO products (code, name, kind) VALUES
    ('M365-E3', 'Microsoft 365 E3', 'online'),
    ('M365-E5', 'Microsoft 365 E5', 'online'),
    ('EXO-P1', 'Exchange Online Plan 1', 'online'),
    ('TEAMS-ESS', 'Microsoft Teams Essentials', 'online'),
    ('AZURE-MC', 'Azure monetary commitment', 'azure'),
    ('WINSRV-DC', 'Windows Server Datacenter', 'on_premises'),
    ('SQL-ENT', 'SQL Server Enterprise', 'on_premises'),
    ('OFFICE-LTSC', 'Office LTSC Professional Plus', 'on_premises');
