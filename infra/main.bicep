// purview-federation on Azure Functions Premium (Elastic Premium EP1 by default).
// Creates: storage (durable task hub + staging container), Event Hubs namespace (push catalogs),
// Application Insights + Log Analytics, a user-assigned managed identity, the Premium plan and the Function App.
// The identity gets Storage Blob/Queue/Table Data roles and Event Hubs Data Receiver. Purview Data Map roles
// (Data Curator on the target collections) are granted in the Purview portal or with the Purview API: they are
// not Azure RBAC roles and cannot be assigned here.
// Deploy: az deployment group create -g RG -f infra/main.bicep -p purviewAccountName=ACCOUNT

@description('Prefix for resource names (lowercase letters and digits).')
@minLength(3)
@maxLength(11)
param namePrefix string = 'pvfed'

@description('Location of all resources.')
param location string = resourceGroup().location

@description('Name of the Microsoft Purview account the app writes to.')
param purviewAccountName string

@description('Elastic Premium SKU (EP1, EP2, EP3).')
@allowed(['EP1', 'EP2', 'EP3'])
param planSku string = 'EP1'

@description('Purview capacity units the account is provisioned with, fractions allowed (\'0.5\'): the ceiling of the client\'s adaptive pacing at 25 ops/s per CU.')
param purviewCapacityUnits string = '10'

@description('Event hubs to create for push catalogs (one hub per catalog name).')
param pushCatalogs array = []

var suffix = uniqueString(resourceGroup().id)
var storageName = toLower('${namePrefix}${take(suffix, 13)}')
var stagingContainer = 'staging'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id-${suffix}'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource staging 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stagingContainer
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${namePrefix}-logs-${suffix}'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${suffix}'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource eventHubs 'Microsoft.EventHub/namespaces@2024-01-01' = if (!empty(pushCatalogs)) {
  name: '${namePrefix}-eh-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard', capacity: 1 }
  properties: { disableLocalAuth: true, kafkaEnabled: true }
}

resource hubs 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = [for catalog in pushCatalogs: if (!empty(pushCatalogs)) {
  parent: eventHubs
  name: catalog
  properties: { partitionCount: 4, messageRetentionInDays: 7 }
}]

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  sku: { name: planSku, tier: 'ElasticPremium' }
  kind: 'elastic'
  properties: { reserved: true, maximumElasticWorkerCount: 20 }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: '${namePrefix}-func-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'Python|3.11'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'python' }
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'DURABLE_TASK_HUB', value: 'purviewfederation' }
        { name: 'PURVIEW_ACCOUNT_NAME', value: purviewAccountName }
        { name: 'PURVIEW_CAPACITY_UNITS', value: purviewCapacityUnits }
        { name: 'STAGING_BACKEND', value: 'blob' }
        { name: 'STAGING_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
        { name: 'STAGING_CONTAINER', value: stagingContainer }
        { name: 'EventHubConnection__fullyQualifiedNamespace', value: empty(pushCatalogs) ? '' : '${eventHubs.name}.servicebus.windows.net' }
        { name: 'EventHubConnection__credential', value: 'managedidentity' }
        { name: 'EventHubConnection__clientId', value: identity.properties.clientId }
      ]
    }
  }
}

// Built-in role definition ids.
var roles = {
  blobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  eventHubsDataReceiver: 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [roles.blobDataOwner, roles.queueDataContributor, roles.tableDataContributor]: {
  scope: storage
  name: guid(storage.id, identity.id, role)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource eventHubRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(pushCatalogs)) {
  scope: eventHubs
  name: guid(resourceGroup().id, identity.id, roles.eventHubsDataReceiver)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.eventHubsDataReceiver)
  }
}

output functionAppName string = app.name
output managedIdentityPrincipalId string = identity.properties.principalId
